//! The library's errors and summary name no command-line flag; the command
//! line puts the flags back, so what a user reads names the flag to change.

use crate::util::{Dir, repo};

#[test]
fn summary_messages_name_the_flags_the_command_line_adds() {
    let dir = Dir::new();
    let sample = repo("data/sample-households.csv");
    let run = |extra: &[&str]| {
        let mut a = vec!["assess", sample.as_str(), "-o", "o.csv"];
        a.extend_from_slice(extra);
        dir.run(&a)
    };
    run(&["--summary", "s.json", "--by", "regoin"])
        .assert_code(2)
        .stderr_has("error: --by regoin: no policy input or file column of that name; did you mean `region`?\n  choose one of: household_id, region, ");
    run(&["--summary", "s.json", "--persons-column", "monthly_income"])
        .assert_code(2)
        .stderr_has("error: --persons-column monthly_income: `monthly_income` is a money input; persons must be an integer input");
    run(&["--summary", "s.json", "--persons-column", "nobody"])
        .assert_code(2)
        .stderr_has("error: --persons-column nobody: the policy has no input of that name (integer inputs: members,");
    // 64 distinct ids, one group each: the human summary lists 20 of them
    // and points to the JSON summary for the rest.
    run(&["--summary", "-", "--by", "household_id"])
        .stderr_has("    … and 44 more (see the --summary JSON)\n");
    run(&["--summary", "s.json", "--by", "household_id", "--max-groups", "5"])
        .assert_code(1)
        .stderr_has("error: --by household_id: more than 5 distinct values of `household_id`, and a summary makes at most 5 groups (--max-groups, default 10,000)\n  group by a column with fewer values, or raise the limit with --max-groups N");
}
