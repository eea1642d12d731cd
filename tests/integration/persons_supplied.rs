//! The values the persons supply are handed to the household parser as
//! values where their text would read to exactly that value, and as text
//! otherwise (issue 18, round 6): either way a household decides, or is
//! rejected with the very reject, as the household file that holds those
//! texts. The policy here makes the unusual cases common: a count above
//! its input's maximum, sums with decimals and one above its maximum, `one`
//! of an enum whose values the household input orders differently, `one`
//! of a boolean, and `max` with its `if_none` default.
// See: issue 18

use super::util::Dir;

const DEFAULT: &str = include_str!("../../data/policies/default.toml");

/// `policy` with the block of input `name` (from its `name =` line to the
/// next blank line) passed through `edit`.
fn edit_input(policy: &str, name: &str, edit: impl Fn(&str) -> String) -> String {
    let start = policy
        .find(&format!("[[inputs]]\nname = \"{name}\"\n"))
        .unwrap_or_else(|| panic!("no input {name}"));
    let end = start + policy[start..].find("\n\n").expect("a blank line");
    format!(
        "{}{}{}",
        &policy[..start],
        edit(&policy[start..end]),
        &policy[end..]
    )
}

fn policy() -> String {
    let p = edit_input(DEFAULT, "members", |b| b.replace("max = 50", "max = 3"));
    let p = edit_input(&p, "monthly_income", |b| {
        b.replace("min = 0", "min = 0\nmax = 1000000")
    });
    let p = edit_input(&p, "elderly", |b| {
        b.replace("max = 50", "max = 130")
            .replace("'count(age >= 60)'", "'max(age where age >= 60)'")
    });
    let p = edit_input(&p, "head_education", |b| {
        b.replace(
            "[\"none\", \"primary\", \"secondary\", \"tertiary\"]",
            "[\"tertiary\", \"secondary\", \"primary\", \"none\"]",
        )
    });
    assert!(p.contains("max(age where age >= 60)") && p.contains("max = 3"));
    p
}

const HH: &str = "household_id,region,area,meals_per_day,floor_area_m2,floor_material,water_source,sanitation,electricity,cooking_fuel,health_insurance,shock,shock_months_ago,home_damaged";
const HROW: &str = "3201,rural,2,20,earth,surface,none,false,wood,false,none,0,false";
const SUPPLIED: &str = "members,monthly_income,young_children,school_age_children,children_not_in_school,elderly,disabled,working_age_able,head_female,head_education";
const PH: &str = "household_id,person_no,age,relationship,sex,education,in_school,disabled,able_to_work,income\n";

/// (household id, its persons, the supplied cells the persons give)
const CASES: &[(&str, &str, &str)] = &[
    (
        "A",
        "A,1,35,head,female,secondary,false,false,true,100.1\nA,2,5,child,male,none,false,false,true,0.2\n",
        "2,100.3,1,0,0,0,0,1,true,secondary",
    ),
    // Four members: above `members`' maximum of 3.
    (
        "B",
        "B,1,35,head,male,primary,false,false,true,1\nB,2,30,spouse,female,primary,false,false,true,1\nB,3,8,child,male,none,true,false,true,0\nB,4,9,child,female,none,false,false,true,0\n",
        "4,2,0,2,1,0,0,2,false,primary",
    ),
    // A sum with decimals.
    (
        "C",
        "C,1,40,head,male,tertiary,false,true,false,10.5\nC,2,38,spouse,female,none,false,false,true,20\n",
        "2,30.5,0,0,0,0,1,1,false,tertiary",
    ),
    // A maximum that matches; `one` of each enum value.
    (
        "D",
        "D,1,70,head,male,tertiary,false,false,false,0\nD,2,65,spouse,female,primary,false,false,false,0\n",
        "2,0,0,0,0,70,0,0,false,tertiary",
    ),
    // A whole sum written with decimals (3.00).
    (
        "E",
        "E,1,61,head,female,none,false,false,true,1.25\nE,2,20,child,male,secondary,false,false,true,1.75\n",
        "2,3.00,0,0,0,61,0,1,true,none",
    ),
    // A sum above `monthly_income`'s maximum.
    (
        "F",
        "F,1,50,head,female,primary,false,false,true,2000000\n",
        "1,2000000,0,0,0,0,0,1,true,primary",
    ),
    // Whole incomes written with a point, leading zeros and plainly (the
    // plain ones' exact values taken from their slots, the others read
    // again): a sum above the maximum, its text `3000000.0` in the reject.
    (
        "H",
        "H,1,50,head,female,primary,false,false,true,1000000.0\nH,2,45,spouse,male,primary,false,false,true,0001000000\nH,3,20,child,male,primary,false,false,true,1000000\n",
        "3,3000000.0,0,0,0,0,0,3,true,primary",
    ),
    // No schooling: the household enum's last value here.
    (
        "G",
        "G,1,30,head,female,none,false,false,true,10\n",
        "1,10,0,0,0,0,0,1,true,none",
    ),
];

#[test]
fn supplied_values_decide_and_reject_as_their_texts_do() {
    let dir = Dir::new();
    dir.write("policy.toml", policy());
    let mut households = format!("{HH}\n");
    let mut persons = PH.to_string();
    let mut aggregated = format!("{HH},{SUPPLIED}\n");
    for (id, ps, cells) in CASES {
        households.push_str(&format!("{id},{HROW}\n"));
        persons.push_str(ps);
        aggregated.push_str(&format!("{id},{HROW},{cells}\n"));
    }
    dir.write("h.csv", &households);
    dir.write("p.csv", &persons);
    dir.write("aggregated.csv", &aggregated);
    for threads in ["1", "2"] {
        let common = [
            "--policy",
            "policy.toml",
            "--as-of",
            "2025-06-01",
            "-j",
            threads,
        ];
        let want = dir.run(
            &[
                &["assess", "aggregated.csv", "--rejects", "want.csv"][..],
                &common[..],
            ]
            .concat(),
        );
        let got = dir.run(
            &[
                &[
                    "assess",
                    "h.csv",
                    "--persons",
                    "p.csv",
                    "--rejects",
                    "got.csv",
                ][..],
                &common[..],
            ]
            .concat(),
        );
        want.no_panic();
        got.no_panic();
        assert_eq!(got.code, want.code, "{}\n{}", got.stderr, want.stderr);
        assert_eq!(got.stdout, want.stdout);
        let (want_rejects, got_rejects) = (dir.read("want.csv"), dir.read("got.csv"));
        assert_eq!(got_rejects, want_rejects);
        // The unusual cells are rejected as the household file's texts.
        for needle in [
            "B,members,4,out_of_range",
            "F,monthly_income,2000000,out_of_range",
            "H,monthly_income,3000000.0,out_of_range",
        ] {
            assert!(got_rejects.contains(needle), "{needle}:\n{got_rejects}");
        }
        // D and E fail the policy's `age_bands` check (an age is no count),
        // which names the supplied values.
        assert!(got_rejects.contains("5,D,age_bands,\"members = 2, young_children = 0, school_age_children = 0, elderly = 70,"), "{got_rejects}");
        assert_eq!(got_rejects.lines().count(), 6, "{got_rejects}");
        let decision = |id: &str| {
            got.stdout
                .lines()
                .find(|l| l.starts_with(&format!("{id},")))
                .unwrap_or_else(|| panic!("{id}:\n{}", got.stdout))
                .to_string()
        };
        // Only G's head has no schooling (the deprivation `head_education`).
        assert!(decision("G").contains(";head_education;"));
        for id in ["A", "C"] {
            assert!(!decision(id).contains("head_education"), "{}", decision(id));
        }
    }
}
