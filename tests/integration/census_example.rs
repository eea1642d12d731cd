//! The IPUMS-style example of `examples/census.md` runs as the guide shows
//! it (issue 18): a rectangular person file, renamed columns and survey
//! weights with implied decimals, deciding the sample's decided households.

use super::util::{Dir, repo};

fn guide_command(dir: &Dir, extra: &[&str]) -> super::util::Output {
    let file = repo("examples/census-rectangular.csv");
    let mut args = vec![
        "assess",
        file.as_str(),
        "--rectangular",
        "--rename",
        "SERIAL=household_id",
        "--rename",
        "PERNUM=person_no",
        "--rename",
        "RELATE=relationship",
        "--rename",
        "EDUC=education",
        "--rename",
        "SCHOOL=in_school",
        "--rename",
        "INCTOT=income",
        "--weight",
        "HHWT",
        "--weight-scale",
        "0.01",
    ];
    args.extend_from_slice(extra);
    dir.run(&args)
}

#[test]
fn the_ipums_style_example_decides_every_household_and_weights_them() {
    let dir = Dir::new();
    let run = guide_command(&dir, &["--summary", "-", "-q"]);
    run.assert_code(0).no_panic();
    let err = &run.stderr;
    // The figures the guide quotes.
    assert!(
        err.contains("population estimates from a sample of 41 households (190 persons)"),
        "{err}"
    );
    assert!(err.contains("households: 9,258 (46,587 persons)"), "{err}");
}

#[test]
fn the_ipums_style_example_gives_the_sample_decisions_plus_weights() {
    let dir = Dir::new();
    let run = guide_command(&dir, &["-q"]);
    run.assert_code(0).no_panic();
    let want = dir.run(&["assess", &repo("data/sample-households.csv"), "-q"]);
    let got: Vec<&str> = run.stdout.lines().collect();
    let want: Vec<&str> = want.stdout.lines().collect();
    assert_eq!(got.len(), want.len());
    assert_eq!(got[0], format!("{},weight", want[0]));
    // Serials number the decided households in order; every decision but
    // the id and the weight is the sample's.
    for (i, (g, w)) in got.iter().zip(&want).enumerate().skip(1) {
        let (g_id, g_rest) = g.split_once(',').unwrap_or_default();
        let (_, w_rest) = w.split_once(',').unwrap_or_default();
        assert_eq!(g_id, format!("{i:06}"));
        let (g_rest, weight) = g_rest.rsplit_once(',').unwrap_or_default();
        assert_eq!(g_rest, w_rest, "row {i}");
        assert!(weight.parse::<f64>().is_ok_and(|w| w > 0.0), "{weight}");
    }
}
