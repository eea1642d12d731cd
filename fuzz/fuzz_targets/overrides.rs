//! Community overrides (`--overrides`, issue 20): any bytes as the
//! overrides file of the default policy, then each parsed override applied
//! to a decided household. Checked: nothing panics; a file that parses has
//! one applied flag per line and every override names a valid program and
//! track; applying keeps the totals finite and equal to the granted amounts.
#![no_main]

use layak::engine::{Engine, Status};
use layak::engine::overrides::Overrides;
use layak::policy::{LoadOptions, Policy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let policy = Policy::default_policy(&LoadOptions {
        as_of: Some("2025-06-01".into()),
    })
    .expect("the default policy loads");
    let Ok(ov) = Overrides::parse("fuzz.csv", data, &policy) else {
        return;
    };
    let engine = Engine::new(&policy);
    let mut s = engine.scratch();
    for o in &ov.items {
        assert!(o.program.is_none_or(|p| p < policy.programs.len()));
        assert!(o.track.is_none_or(|t| t < policy.tracks.len()));
        for (i, inp) in policy.inputs.iter().enumerate() {
            s.slots[i] = inp.default;
        }
        if engine.decide(&mut s).is_err() {
            continue;
        }
        if ov.apply(&engine, &mut s, &o.household, true).is_err() {
            continue;
        }
        assert!(s.overridden.is_some());
        let monthly: f64 = policy
            .programs
            .iter()
            .zip(&s.programs)
            .filter(|(p, o)| o.status == Status::Granted && p.period == layak::policy::Period::Month)
            .map(|(_, o)| o.amount)
            .sum();
        assert!(s.monthly_total.is_finite());
        assert_eq!(s.monthly_total, monthly);
    }
    let _ = ov.check_all_applied();
});
