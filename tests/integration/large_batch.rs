//! One batch whose output passes 4 GiB (a policy with very long reasons).
// See: issue 12 ("Panic when one batch's output exceeds 4 GiB": offsets
// into a batch's output were `u32`).
//
// Ignored by default: it writes 4.3 GB through memory (about 40 s and 9 GB
// in a release build). Run it with
// `cargo test --release --test integration large_batch -- --ignored`.

use crate::util::{Dir, repo_text};

#[test]
#[ignore]
fn a_batch_output_past_4_gib_is_written_whole() {
    let dir = Dir::new();
    let long = "x".repeat(900_000);
    let policy = repo_text("data/policies/default.toml").replacen(
        "text = \"per-capita income {per_capita_income} is below",
        &format!("text = \"{long} per-capita income {{per_capita_income}} is below"),
        1,
    );
    dir.write("long.toml", policy);
    let sample = repo_text("data/sample-households.csv");
    let mut lines = sample.lines();
    let header = lines.next().unwrap();
    // H001 is income-poor: its decision carries the long reason.
    let row = lines.find(|l| l.starts_with("H001,")).unwrap();
    let mut text = format!("{header}\n");
    let rows = 4_800;
    for i in 0..rows {
        text.push_str(&row.replacen("H001", &format!("P{i}"), 1));
        text.push('\n');
    }
    dir.write("in.csv", text);
    // One thread and one chunk: every decision lands in one batch.
    let out = dir.run(&[
        "assess",
        "in.csv",
        "--policy",
        "long.toml",
        "-j",
        "1",
        "--chunk-bytes",
        "4000000000",
        "--format",
        "ndjson",
        "-o",
        "/dev/null",
    ]);
    out.assert_code(0).no_panic();
    out.assert_counts(rows, rows, 0);
}
