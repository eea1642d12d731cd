//! Golden files for human output: `tests/integration/snapshots/NAME`.
//! Run with `LAYAK_UPDATE_SNAPSHOTS=1` to rewrite them after a deliberate
//! change, then review the diff.

use std::path::Path;

#[track_caller]
pub fn assert_snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/integration/snapshots")
        .join(name);
    if std::env::var_os("LAYAK_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).expect("cannot write the snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read snapshot {}: {e}", path.display()));
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "output differs from snapshot {} (first at line {}):\n----- expected -----\n{expected}\n----- actual -----\n{actual}",
            path.display(),
            first + 1
        );
    }
}
