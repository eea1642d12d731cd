use super::*;
use crate::policy::LoadOptions;

fn policy() -> Policy {
    Policy::default_policy(&LoadOptions {
        as_of: Some("2026-06-01".into()),
    })
    .unwrap()
}

fn load(text: &str) -> Result<Profile, String> {
    Profile::load("p.toml", text).map_err(|e| e.render())
}

#[test]
fn a_full_profile_loads() {
    let p = load(
        r#"
description = "Susenas-like export"
delimiter = ";"
id_columns = ["kab", "nurt"]
require_columns = true
strip_groups = true
strip_prefixes = ["group_x-"]
missing = ["", ".", "NA"]
number = { decimal = ",", thousands = ".", currency = "Rp" }

[columns]
"hh/hh_id" = "household_id"
jumlah_art = "members"

[inputs.area.values]
Perkotaan = "urban"
Perdesaan = "rural"

[inputs.head_female.values]
Perempuan = true
"Laki-laki" = "false"

[inputs.members]
missing = ["98", "99"]
"#,
    )
    .unwrap();
    assert_eq!(p.delimiter, Some(b';'));
    assert_eq!(p.id_columns, ["kab", "nurt"]);
    assert!(p.require_columns && p.strip_groups);
    assert_eq!(p.columns[1], ("jumlah_art".into(), "members".into()));
    assert_eq!(p.inputs.len(), 3);
    assert_eq!(p.inputs[0].values[0].0, "Perkotaan");
    p.check(&policy()).unwrap();
    let rules = p.cell_rules(&policy());
    let pol = policy();
    let area = pol.inputs.iter().position(|i| i.name == "area").unwrap();
    let head = pol
        .inputs
        .iter()
        .position(|i| i.name == "head_female")
        .unwrap();
    let income = pol
        .inputs
        .iter()
        .position(|i| i.name == "monthly_income")
        .unwrap();
    let r = rules[area].as_ref().unwrap();
    assert_eq!(
        r.values,
        [("Perkotaan".into(), 0.0), ("Perdesaan".into(), 1.0)]
    );
    assert_eq!(r.missing, [".", "NA"]);
    assert_eq!(rules[head].as_ref().unwrap().values[1].1, 0.0);
    assert_eq!(
        rules[income]
            .as_ref()
            .unwrap()
            .number
            .as_ref()
            .unwrap()
            .decimal,
        b','
    );
    assert!(rules[pol.fields.id_input].is_none());
}

#[test]
fn problems_have_their_place_and_a_suggestion() {
    let e = load("delimter = \";\"\n").unwrap_err();
    assert!(e.contains("did you mean `delimiter`?"), "{e}");
    assert!(e.contains("p.toml:1:1"), "{e}");
    let e = load("number = { decimal = \",\", thousands = \",\" }\n").unwrap_err();
    assert!(e.contains("also the decimal separator"), "{e}");
    let p = load(
        "[columns]\nx = \"membres\"\n[inputs.area.values]\nKota = \"urbn\"\n[inputs.region]\nnumber = {}\n",
    )
    .unwrap();
    let e = p.check(&policy()).unwrap_err().render();
    assert!(
        e.contains("no input `membres`") && e.contains("did you mean `members`?"),
        "{e}"
    );
    assert!(e.contains("p.toml:2:5"), "{e}");
    assert!(
        e.contains("`area` has no label `urbn`") && e.contains("did you mean `urban`?"),
        "{e}"
    );
    assert!(e.contains("a number format applies to number"), "{e}");
}

#[test]
fn person_inputs_are_known_to_the_check() {
    let p = load("[inputs.sex.values]\nPerempuan = \"female\"\nL = \"male\"\n").unwrap();
    p.check(&policy()).unwrap();
}

#[test]
fn numbers_fit_their_format_or_nothing() {
    let f = NumberFormat {
        decimal: b',',
        thousands: Some(b'.'),
        currency: vec!["Rp.".into(), "Rp".into()],
    };
    let mut buf = [0u8; 64];
    let ok = [
        ("Rp 1.500.000,50", "1500000.50"),
        ("rp1.500.000", "1500000"),
        ("Rp. 750.000", "750000"),
        ("1500000,50", "1500000.50"),
        ("-Rp 5", "-5"),
        ("Rp -5,5", "-5.5"),
        ("0", "0"),
        ("12", "12"),
        ("123.456", "123456"),
    ];
    for (cell, want) in ok {
        assert_eq!(
            f.canonical(cell.as_bytes(), &mut buf).map(|b| b.to_vec()),
            Some(want.as_bytes().to_vec()),
            "{cell}"
        );
    }
    for bad in [
        "1.50", "1.5", "1,", ",5", "1.500,", "1.5000", "1234.567", "Rp", "", "1.500.00", "1,5,0",
        "1 500", "1e3", "USD 5", "--5", ".500",
    ] {
        assert_eq!(f.canonical(bad.as_bytes(), &mut buf), None, "{bad}");
    }
    let long = "9".repeat(65);
    assert_eq!(f.canonical(long.as_bytes(), &mut buf), None);
    assert_eq!(
        f.describe(),
        "thousands `.`, decimal `,`, currency `Rp.` or `Rp`"
    );
    assert_eq!(f.example(), "Rp 1.500.000,50");
}

#[test]
fn the_canonical_text_reads_as_the_plain_text_does() {
    let f = NumberFormat {
        decimal: b',',
        thousands: Some(b'.'),
        currency: vec![],
    };
    let mut buf = [0u8; 64];
    for i in 0..5000u64 {
        let int = i * 7_919_117 % 10_000_000_000;
        let frac = i % 100;
        let plain = format!("{int}.{frac:02}");
        let mut grouped = String::new();
        let digits = int.to_string();
        for (k, c) in digits.chars().enumerate() {
            if k > 0 && (digits.len() - k) % 3 == 0 {
                grouped.push('.');
            }
            grouped.push(c);
        }
        let cell = format!("{grouped},{frac:02}");
        let canon = f.canonical(cell.as_bytes(), &mut buf).unwrap();
        assert_eq!(
            crate::input::cell::parse_number(canon),
            crate::input::cell::parse_number(plain.as_bytes()),
            "{cell}"
        );
    }
}

#[test]
fn stripped_names_and_renames() {
    let p = load("strip_groups = true\nstrip_prefixes = [\"group_x-\"]\n[columns]\nhh_id = \"household_id\"\n\"income/total\" = \"monthly_income\"\n").unwrap();
    assert_eq!(p.stripped("hh/size"), "size");
    assert_eq!(p.stripped("group_x-area"), "area");
    assert_eq!(p.stripped("a/b/members"), "members");
    assert_eq!(p.stripped("x/"), "x/");
    let header: Vec<String> = [
        "hh/hh_id",
        "hh/members",
        "income/total",
        "hh/area",
        "area",
        "_uuid",
    ]
    .map(String::from)
    .to_vec();
    let renames = p.renames_for(&policy(), &header, &|_, _| false);
    assert_eq!(
        renames,
        [
            ("hh/hh_id".to_string(), "household_id".to_string()),
            ("income/total".to_string(), "monthly_income".to_string()),
            ("hh/members".to_string(), "members".to_string()),
        ]
    );
    // The command line wins.
    let renames = p.renames_for(&policy(), &header, &|from, to| {
        from == "hh/members" || to == "household_id"
    });
    assert_eq!(
        renames,
        [("income/total".to_string(), "monthly_income".to_string())]
    );
}
