//! The sample person files decide exactly the decided households of the
//! sample household file (issue 18).

use super::persons::person_counts;
use super::util::{Dir, repo, repo_text};

#[test]
fn sample_persons_give_the_sample_households_decisions() {
    let dir = Dir::new();
    let want = dir.run(&["assess", &repo("data/sample-households.csv")]);
    let got = dir.run(&[
        "assess",
        &repo("data/sample-persons-households.csv"),
        "--persons",
        &repo("data/sample-persons.csv"),
    ]);
    got.assert_code(0).no_panic();
    // Every household of the person files is decided, and they are the
    // decided ones of the household file, in its order, byte for byte.
    assert_eq!(got.stdout, want.stdout);
    let c = person_counts(&got);
    assert_eq!((c.households, c.decided), (41, 41));
    assert_eq!(
        c.persons,
        repo_text("data/sample-persons.csv").lines().count() as u64 - 1
    );
}

#[test]
fn the_sample_as_one_rectangular_file_decides_the_same() {
    let dir = Dir::new();
    let households = repo_text("data/sample-persons-households.csv");
    let persons = repo_text("data/sample-persons.csv");
    let mut lines = households.lines();
    let header = lines.next().unwrap_or_default();
    let by_id: std::collections::HashMap<&str, &str> = lines
        .map(|l| (l.split(',').next().unwrap_or_default(), l))
        .collect();
    let mut rect = String::new();
    let mut plines = persons.lines();
    let pheader = plines.next().unwrap_or_default();
    // household_id once: the person columns, then the household columns but the id.
    let hcols: Vec<&str> = header.split(',').skip(1).collect();
    rect.push_str(&format!("{pheader},{}\n", hcols.join(",")));
    for p in plines {
        let id = p.split(',').next().unwrap_or_default();
        let h = by_id[id];
        let rest = &h[h.find(',').map_or(h.len(), |i| i + 1)..];
        rect.push_str(&format!("{p},{rest}\n"));
    }
    dir.write("rect.csv", &rect);
    let want = dir.run(&["assess", &repo("data/sample-households.csv")]);
    let got = dir.run(&["assess", "rect.csv", "--rectangular"]);
    got.assert_code(0).no_panic();
    assert_eq!(got.stdout, want.stdout);
}

#[test]
fn community_overrides_apply_to_households_of_person_files() {
    let dir = Dir::new();
    let overrides = repo("examples/musyawarah-overrides.csv");
    let flags = ["--overrides", overrides.as_str(), "--as-of", "2025-06-20"];
    let want = dir.run(&[&["assess", &repo("data/sample-households.csv")][..], &flags].concat());
    let got = dir.run(
        &[
            &[
                "assess",
                &repo("data/sample-persons-households.csv"),
                "--persons",
                &repo("data/sample-persons.csv"),
                "--summary",
                "s.json",
            ][..],
            &flags,
        ]
        .concat(),
    );
    got.assert_code(0).no_panic();
    // The overrides change the decisions (H009 denied everything) exactly
    // as on the household file.
    assert_eq!(got.stdout, want.stdout);
    assert!(got.csv().row("H009")["monthly_total"] == "0");
    got.stderr_has("overrides from").stderr_has("deny 1");
    let summary: serde_json::Value = serde_json::from_str(&dir.read("s.json")).unwrap();
    assert!(summary.get("overrides").is_some(), "{summary}");
    // explain shows the override, as for a household file.
    let explained = dir.run(&[
        "explain",
        &repo("data/sample-persons-households.csv"),
        "--persons",
        &repo("data/sample-persons.csv"),
        "--id",
        "H009",
        "--overrides",
        overrides.as_str(),
        "--as-of",
        "2025-06-20",
    ]);
    explained
        .assert_code(0)
        .stdout_has("persons of household H009")
        .stdout_has("✎ deny * — changed by musyawarah desa Sukamaju")
        .stdout_has("The household gets no assistance now.");
    // An override of a household the files do not hold is an error, as on a household file.
    dir.write(
        "o.csv",
        "household_id,program,action,value,reason,decided_by,date\nNOPE,*,deny,,gone,rapat,2025-06-14\n",
    );
    dir.run(&[
        "assess",
        &repo("data/sample-persons-households.csv"),
        "--persons",
        &repo("data/sample-persons.csv"),
        "--overrides",
        "o.csv",
    ])
    .assert_code(1)
    .stderr_has("NOPE");
}
