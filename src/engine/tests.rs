use super::*;
use crate::policy::{InputType, LoadOptions, Policy};

fn default_policy() -> Policy {
    Policy::default_policy(&LoadOptions {
        as_of: Some("2025-06-01".into()),
    })
    .unwrap()
}

/// Fill the slots with every input's default, then the given overrides.
fn decide_with(policy: &Policy, values: &[(&str, f64)]) -> Result<Scratch, EvalError> {
    let engine = Engine::new(policy);
    let mut s = engine.scratch();
    for (i, inp) in policy.inputs.iter().enumerate() {
        s.slots[i] = inp.default;
    }
    for (name, v) in values {
        let i = policy.inputs.iter().position(|x| x.name == *name).unwrap();
        s.slots[i] = *v;
    }
    engine.decide(&mut s)?;
    Ok(s)
}

fn enum_value(policy: &Policy, input: &str, value: &str) -> f64 {
    match policy.input(input).unwrap().ty {
        InputType::Enum(e) => policy.enums[usize::from(e)]
            .values
            .iter()
            .position(|v| v == value)
            .unwrap() as f64,
        _ => panic!("{input} is not an enum"),
    }
}

fn status_of(policy: &Policy, s: &Scratch, id: &str) -> Status {
    let i = policy.programs.iter().position(|p| p.id == id).unwrap();
    s.programs[i].status
}

fn track(policy: &Policy, s: &Scratch) -> String {
    policy.tracks[s.track].id.clone()
}

#[test]
fn not_poor_household_is_not_eligible() {
    let p = default_policy();
    let s = decide_with(&p, &[("members", 2.0), ("monthly_income", 3_000_000.0)]).unwrap();
    assert_eq!(track(&p, &s), "not_eligible");
    assert_eq!(s.monthly_total, 0.0);
    assert_eq!(s.review_after_months, 12);
    assert!(
        p.programs
            .iter()
            .zip(&s.programs)
            .all(|(_, o)| o.status == Status::Denied)
    );
}

#[test]
fn income_exactly_at_the_line_is_not_poor() {
    let p = default_policy();
    // Rural line 580349: two members at exactly the line.
    let s = decide_with(&p, &[("members", 2.0), ("monthly_income", 1_160_698.0)]).unwrap();
    let (slot, _) = p.fields.income_status.unwrap();
    assert_eq!(s.slots[slot], 1.0, "near_poor, not poor");
}

#[test]
fn score_of_exactly_a_third_is_poor() {
    let p = default_policy();
    // health_cover 1/4 + floor 1/24 + water 1/24 = 1/3.
    let s = decide_with(
        &p,
        &[
            ("members", 1.0),
            ("monthly_income", 5_000_000.0),
            ("health_insurance", 0.0),
            ("floor_material", enum_value(&p, "floor_material", "earth")),
            ("water_source", enum_value(&p, "water_source", "surface")),
        ],
    )
    .unwrap();
    let dep = p.deprivation.as_ref().unwrap();
    assert!((s.slots[dep.score_slot] - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(s.slots[dep.status_slot], 2.0, "poor");
    // Multidimensionally poor: basic needs programs apply.
    assert_eq!(status_of(&p, &s, "food_assistance"), Status::Granted);
    assert_eq!(
        status_of(&p, &s, "health_insurance_premium"),
        Status::Granted
    );
}

#[test]
fn emergency_defers_capacity_building() {
    let p = default_policy();
    let s = decide_with(
        &p,
        &[
            ("members", 4.0),
            ("monthly_income", 1_000_000.0),
            ("shock", enum_value(&p, "shock", "disaster")),
            ("shock_months_ago", 6.0),
        ],
    )
    .unwrap();
    assert_eq!(track(&p, &s), "emergency");
    assert_eq!(status_of(&p, &s, "emergency_relief"), Status::Granted);
    assert_eq!(
        status_of(&p, &s, "food_assistance"),
        Status::Denied,
        "not with emergency relief"
    );
    let cb = p
        .programs
        .iter()
        .position(|x| x.id == "capacity_building")
        .unwrap();
    assert_eq!(s.programs[cb].status, Status::Deferred);
    assert_eq!(s.programs[cb].starts_after_months, Some(3.0));
    assert_eq!(s.one_off_total, 0.0, "deferred programs are not counted");
    assert_eq!(s.review_after_months, 3);
}

#[test]
fn shock_seven_months_ago_is_not_an_emergency() {
    let p = default_policy();
    let s = decide_with(
        &p,
        &[
            ("members", 4.0),
            ("monthly_income", 1_000_000.0),
            ("shock", enum_value(&p, "shock", "disaster")),
            ("shock_months_ago", 7.0),
        ],
    )
    .unwrap();
    assert_eq!(track(&p, &s), "capacity_building");
    assert_eq!(s.one_off_total, 2_000_000.0);
    assert_eq!(s.review_after_months, 6);
}

#[test]
fn cap_takes_the_excess_off_the_last_programs_first() {
    let p = default_policy();
    // Poor, uninsured, 10 members (premium 420000), 8 school-age children
    // (education 600000), food 200000: 1220000 > cap 1200000.
    let s = decide_with(
        &p,
        &[
            ("members", 10.0),
            ("monthly_income", 1_000_000.0),
            ("school_age_children", 8.0),
            ("health_insurance", 0.0),
        ],
    )
    .unwrap();
    assert!(s.capped);
    assert_eq!(s.monthly_total, 1_200_000.0);
    let edu = p
        .programs
        .iter()
        .position(|x| x.id == "education_support")
        .unwrap();
    assert_eq!(s.programs[edu].capped_from, Some(600_000.0));
    assert_eq!(s.programs[edu].amount, 580_000.0);
    let premium = p
        .programs
        .iter()
        .position(|x| x.id == "health_insurance_premium")
        .unwrap();
    assert_eq!(s.programs[premium].capped_from, None);
}

#[test]
fn no_one_able_to_work_gets_long_term_support() {
    let p = default_policy();
    let s = decide_with(
        &p,
        &[
            ("members", 2.0),
            ("monthly_income", 300_000.0),
            ("elderly", 2.0),
            ("working_age_able", 0.0),
        ],
    )
    .unwrap();
    assert_eq!(track(&p, &s), "long_term_support");
    assert_eq!(status_of(&p, &s, "capacity_building"), Status::Denied);
    assert_eq!(s.monthly_total, 200_000.0 + 400_000.0);
}

#[test]
fn priority_follows_the_formula() {
    let p = default_policy();
    // Rural, per-capita 290174.5 = half the line: gap 0.5; no deprivation; no vulnerable members.
    let s = decide_with(&p, &[("members", 2.0), ("monthly_income", 580_349.0)]).unwrap();
    assert!((s.priority - 15.0).abs() < 1e-9, "{}", s.priority);
}

#[test]
fn a_division_by_zero_becomes_an_evaluation_error() {
    let src = crate::policy::DEFAULT_POLICY_TOML.replace(
        "expr = 'young_children + elderly + disabled'",
        "expr = 'members / young_children'",
    );
    let p = Policy::load("t.toml", &src, &LoadOptions::default()).unwrap();
    let err = decide_with(&p, &[("members", 2.0), ("monthly_income", 1.0)]).unwrap_err();
    assert_eq!(err.what, "vulnerable_members");
    assert!(err.value.is_nan());
}

#[test]
fn an_undefined_condition_is_an_error_not_false() {
    // `income / young_children` is undefined without young children: the
    // eligibility of food assistance cannot be decided, so the row is rejected.
    let src = crate::policy::DEFAULT_POLICY_TOML.replace(
        "eligible = 'basic_needs_target and not emergency_relief'",
        "eligible = 'monthly_income / young_children > 1 and not emergency_relief'",
    );
    let p = Policy::load("t.toml", &src, &LoadOptions::default()).unwrap();
    let err = decide_with(&p, &[("members", 2.0), ("monthly_income", 100.0)]).unwrap_err();
    assert!(err.what.contains("food_assistance"), "{}", err.what);
    assert!(
        decide_with(
            &p,
            &[
                ("members", 2.0),
                ("monthly_income", 100.0),
                ("young_children", 1.0)
            ]
        )
        .is_ok()
    );
}

#[test]
fn deciding_is_repeatable_with_one_scratch() {
    let p = default_policy();
    let engine = Engine::new(&p);
    let mut s = engine.scratch();
    let set = |s: &mut Scratch, income: f64| {
        for (i, inp) in p.inputs.iter().enumerate() {
            s.slots[i] = inp.default;
        }
        s.slots[3] = 3.0;
        s.slots[4] = income;
    };
    set(&mut s, 500_000.0);
    engine.decide(&mut s).unwrap();
    let first = (s.track, s.priority, s.monthly_total);
    set(&mut s, 9_000_000.0);
    engine.decide(&mut s).unwrap();
    set(&mut s, 500_000.0);
    engine.decide(&mut s).unwrap();
    assert_eq!((s.track, s.priority, s.monthly_total), first);
}

#[test]
fn a_negative_amount_is_an_error_not_a_payment() {
    let src = crate::policy::DEFAULT_POLICY_TOML.replace(
        "amount = 'food_assistance_monthly'",
        "amount = 'food_assistance_monthly - monthly_income'",
    );
    let p = Policy::load("t.toml", &src, &LoadOptions::default()).unwrap();
    let err = decide_with(&p, &[("members", 4.0), ("monthly_income", 1_000_000.0)]).unwrap_err();
    assert_eq!(err.what, "the amount of food_assistance");
    assert_eq!(err.value, -800_000.0);
    assert!(err.to_string().contains("is negative"));
}
