//! Snapshots of what a user reads in person modes (issue 18): the rejects
//! of every person code and the closing line, `validate`'s report and
//! `explain`'s list of persons. Runs use relative names in a fresh folder,
//! so the snapshots name no temporary path.

use super::util::{Dir, Output, repo_text};

fn shown(out: &Output) -> String {
    format!(
        "exit_code: {}\n----- stdout -----\n{}----- stderr -----\n{}",
        out.code, out.stdout, out.stderr
    )
}

const HH: &str = "household_id,region,area,meals_per_day,floor_area_m2,floor_material,water_source,sanitation,electricity,cooking_fuel,health_insurance,shock,shock_months_ago,home_damaged\n\
A,3201,rural,2,20,earth,surface,none,false,wood,false,none,0,false\n\
B,3201,rural,2,20,earth,surface,none,false,wood,false,none,0,false\n\
C,3201,rural,2,20,earth,surface,none,false,wood,false,none,0,false\n\
D,3201,rural,2,20,earth,surface,none,false,wood,false,none,0,false\n\
E,3201,rural,2,20,earth,surface,none,false,wood,false,none,0,false\n\
F,3201,rural,2,20,earth,surface,none,false,wood,false,none,0,false\n";

const PERSONS: &str = "household_id,person_no,age,relationship,sex,education,in_school,disabled,able_to_work,income\n\
A,1,40,head,female,primary,false,false,true,100000\n\
Z,1,30,head,male,none,false,false,true,0\n\
C,1,40,spouse,female,primary,false,false,true,0\n\
D,1,40,head,female,primary,false,false,true,0\n\
D,2,41,head,male,primary,false,false,true,0\n\
E,1,40,head,female,primary,false,false,true,0\n\
E,1,12,child,male,primary,true,false,true,0\n\
F,1,200,head,female,primary,false,false,true,0\n";

#[test]
fn person_rejects_and_closing_line() {
    let dir = Dir::new();
    dir.write("households.csv", HH);
    dir.write("persons.csv", PERSONS);
    let out = dir.run(&[
        "assess",
        "households.csv",
        "--persons",
        "persons.csv",
        "--as-of",
        "2026-06-01",
        "-o",
        "out.csv",
        "--rejects",
        "-",
    ]);
    insta::assert_snapshot!("persons_rejects", shown(&out));
    let out = dir.run(&["validate", "households.csv", "--persons", "persons.csv"]);
    insta::assert_snapshot!("persons_validate", shown(&out));
}

#[test]
fn explain_lists_the_persons() {
    let dir = Dir::new();
    dir.write(
        "households.csv",
        repo_text("data/sample-persons-households.csv"),
    );
    dir.write("persons.csv", repo_text("data/sample-persons.csv"));
    let out = dir.run(&[
        "explain",
        "--detail",
        "households.csv",
        "--persons",
        "persons.csv",
        "--id",
        "H002",
        "--as-of",
        "2026-06-01",
    ]);
    insta::assert_snapshot!("persons_explain", shown(&out));
}
