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
