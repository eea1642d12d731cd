//! Reducer folds kept with a worker's line memo (issue 18, round 11).
//!
//! A person's condition and value for a reducer depend only on the inputs
//! its programs read. When every reducer reads only inputs that a memo
//! entry gives (the run of small cells, and inputs without a column), what
//! each reducer takes from a person is computed once per entry: which
//! `count`s it adds to, and the condition and value of every other
//! reducer. Folding a person is then a few additions and the exact folds
//! of its own cells (`sum(income)`), instead of its domain positions, table
//! lookups and a condition per reducer ([`Persons::add`]).

use super::{Fold, PersonCells, Persons, Reduction};

/// At most this many `count`s are bits of an entry's mask; more go with
/// the other reducers.
const MASK_BITS: usize = 64;

/// What each reducer takes from a person of a memo entry, per entry.
#[derive(Debug, Clone)]
pub(crate) struct MemoFolds {
    /// The reducers folded as counts: bit `j` of an entry's mask adds one
    /// to reducer `counts[j]`.
    counts: Vec<usize>,
    /// The other reducers: an entry's condition and value of each.
    others: Vec<usize>,
    /// Per entry: the memo's stamp when it was filled (0: never).
    stamps: Vec<u64>,
    masks: Vec<u64>,
    /// Per entry, `2 * others.len()` values: condition, value.
    values: Vec<f64>,
}

impl Persons {
    /// Folds for a memo of `entries` entries whose entries give `inputs`;
    /// `None` when some reducer reads another input (or there is no memo).
    pub(crate) fn memo_folds(&self, inputs: &[usize], entries: usize) -> Option<MemoFolds> {
        if entries == 0 || self.reducers.len() != self.plan.steps.len() {
            return None;
        }
        let given = |slots: &[usize]| slots.iter().all(|s| inputs.contains(s));
        let mut counts = Vec::new();
        let mut others = Vec::new();
        for (k, (red, step)) in self.reducers.iter().zip(&self.plan.steps).enumerate() {
            let when = red.when.as_ref().is_none_or(|p| given(p.slots_used()));
            // An exact fold reads the person's own cell, not the program.
            let value =
                red.plain.is_some() || red.value.as_ref().is_none_or(|p| given(p.slots_used()));
            if !(when && value) {
                return None;
            }
            match step.fold {
                Fold::Count if counts.len() < MASK_BITS => counts.push(k),
                _ => others.push(k),
            }
        }
        Some(MemoFolds {
            stamps: vec![0; entries],
            masks: vec![0; entries],
            values: vec![0.0; entries * 2 * others.len()],
            counts,
            others,
        })
    }

    /// [`Persons::add`] for a person whose memo entry is `entry` with stamp
    /// `stamp` ([`crate::input::LineMemo::last_entry`]): the same folds,
    /// the entry's conditions and values computed once. (Inlined into its
    /// one caller, whose `cell` closure it calls directly, not through a
    /// vtable.)
    #[inline(always)]
    pub(crate) fn add_memo<'r, C: PersonCells<'r>>(
        &self,
        r: &mut Reduction,
        slots: &[f64],
        cell: &C,
        folds: &mut MemoFolds,
        (entry, stamp): (usize, u64),
    ) {
        // A mark left by an earlier evaluation counts as this person's, as
        // in `add`: every value again, exactly.
        let stale = crate::expr::exact::take_close();
        let steps = &self.plan.steps;
        if stale || r.accs.len() != steps.len() || !self.fill(folds, entry, stamp, slots, &mut r.at)
        {
            self.add_marked(r, slots, &|i| cell.text(i), stale);
            return;
        }
        let person = r.persons;
        r.persons = r.persons.saturating_add(1);
        let (Some(&mask), Some(values)) = (
            folds.masks.get(entry),
            folds
                .values
                .get(entry * 2 * folds.others.len()..(entry + 1) * 2 * folds.others.len()),
        ) else {
            return;
        };
        let mut bits = mask;
        while bits != 0 {
            let j = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            if let Some(acc) = folds.counts.get(j).and_then(|&k| r.accs.get_mut(k)) {
                acc.count += 1;
            }
        }
        let read = if r.plain { slots } else { &[] };
        for (&k, v) in folds.others.iter().zip(values.chunks_exact(2)) {
            if let (Some(step), Some(acc)) = (steps.get(k), r.accs.get_mut(k)) {
                self.fold(step.fold, acc, person, (v[0], v[1]), read, cell);
            }
        }
    }

    /// Compute entry `entry`'s folds from `slots` unless they are those of
    /// `stamp` already; false when they cannot be kept (a value came within
    /// rounding error of a threshold: it is computed exactly every time).
    #[inline]
    fn fill(
        &self,
        folds: &mut MemoFolds,
        entry: usize,
        stamp: u64,
        slots: &[f64],
        at: &mut Vec<u32>,
    ) -> bool {
        match folds.stamps.get(entry) {
            Some(&s) if s == stamp => return true,
            Some(_) => {}
            None => return false,
        }
        // Checked even for a trusted parser: an entry is filled rarely.
        self.positions(slots, at, false);
        let steps = &self.plan.steps;
        let mut mask = 0u64;
        for (j, &k) in folds.counts.iter().enumerate() {
            if let Some(step) = steps.get(k) {
                let when = self.value_of(step.when, at, slots);
                mask |= u64::from(when != 0.0) << j;
            }
        }
        let width = 2 * folds.others.len();
        let Some(values) = folds.values.get_mut(entry * width..(entry + 1) * width) else {
            return false;
        };
        for (&k, v) in folds.others.iter().zip(values.chunks_exact_mut(2)) {
            if let Some(step) = steps.get(k) {
                v[0] = self.value_of(step.when, at, slots);
                v[1] = self.value_of(step.value, at, slots);
            }
        }
        if crate::expr::exact::take_close() {
            // The values just written stay unstamped: the entry's stamp is
            // still an earlier one (stamps never repeat), so they are
            // computed again, and again refused, next time.
            return false;
        }
        if let (Some(m), Some(s)) = (folds.masks.get_mut(entry), folds.stamps.get_mut(entry)) {
            *m = mask;
            *s = stamp;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{LoadOptions, Policy};

    /// A line memo as the folds see it: the entry of each text (here: of
    /// each combination of the given inputs' values) and a stamp that
    /// changes whenever an entry is given to another text.
    struct FakeMemo {
        texts: Vec<Option<Vec<u64>>>,
        stamps: Vec<u64>,
        stores: u64,
    }

    impl FakeMemo {
        fn new(entries: usize) -> Self {
            FakeMemo {
                texts: vec![None; entries],
                stamps: vec![0; entries],
                stores: 0,
            }
        }

        fn entry(&mut self, given: &[usize], slots: &[f64]) -> (usize, u64) {
            let text: Vec<u64> = given.iter().map(|&i| slots[i].to_bits()).collect();
            let hash = text
                .iter()
                .fold(17u64, |h, &w| (h ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let at = (hash >> 40) as usize % self.texts.len();
            if self.texts[at].as_ref() != Some(&text) {
                self.texts[at] = Some(text);
                self.stores += 1;
                self.stamps[at] = self.stores;
            }
            (at, self.stamps[at])
        }
    }

    /// Draws below a bound, from a seed.
    fn draws(mut seed: u64) -> impl FnMut(u64) -> f64 {
        move |below| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((seed >> 33) % below) as f64
        }
    }

    /// A reduction whose exact folds take whole values from their slots,
    /// as a worker's does.
    fn reduction(persons: &Persons) -> Reduction {
        let mut r = persons.start();
        r.read_plainly();
        r
    }

    fn input(persons: &Persons, name: &str) -> usize {
        let inputs = &persons.schema.inputs;
        inputs.iter().position(|i| i.name == name).unwrap()
    }

    /// Random households of the default policy's persons, folded by `add`
    /// and by `add_memo` through a small memo whose entries are taken over
    /// by other texts all the time: every reduced value, problem and count
    /// is the same. It fails when an entry's folds outlive its text, or a
    /// count's bit or another reducer's value is taken from the wrong place.
    #[test]
    fn memo_folds_fold_as_add_folds() {
        let policy = Policy::default_policy(&LoadOptions::default()).unwrap();
        let persons = policy.persons.as_ref().unwrap();
        // The memo's run: every person input but the key, the number and
        // the income (`age` to `able_to_work`, in declared order).
        let inputs = &persons.schema.inputs;
        let given: Vec<usize> = (0..inputs.len())
            .filter(|&i| {
                !["household_id", "person_no", "income"].contains(&inputs[i].name.as_str())
            })
            .collect();
        assert_eq!(inputs[given[0]].name, "age");
        assert_eq!(given.len(), 7);
        let income = input(persons, "income");
        let mut folds = persons
            .memo_folds(&given, 61)
            .expect("every reducer reads the run");
        assert_eq!(folds.counts.len(), 7);
        assert_eq!(folds.others.len(), 3);
        let mut memo = FakeMemo::new(61);
        let width = persons.schema.slot_count.max(persons.schema.inputs.len());
        let mut next = draws(3);
        let (mut plain, mut memoed) = (reduction(persons), reduction(persons));
        let mut problems = 0;
        for _ in 0..5_000 {
            persons.reset(&mut plain);
            persons.reset(&mut memoed);
            let size = 1 + next(7) as usize;
            for _ in 0..size {
                let mut slots = vec![0.0; width];
                // Ages around the bands' edges, a head now and then.
                slots[given[0]] = [0.0, 6.0, 7.0, 18.0, 19.0, 59.0, 60.0, 90.0][next(8) as usize];
                slots[given[1]] = next(if size == 1 { 2 } else { 5 });
                slots[given[2]] = next(2);
                slots[given[3]] = next(4);
                for &i in &given[4..] {
                    slots[i] = next(2);
                }
                let pay = next(4) * 1_250_000.0;
                slots[income] = pay;
                let text = format!("{pay}").into_bytes();
                let cell = |i: usize| -> &[u8] { if i == income { &text } else { b"" } };
                persons.add(&mut plain, &slots, &cell);
                let entry = memo.entry(&given, &slots);
                persons.add_memo(&mut memoed, &slots, &cell, &mut folds, entry);
            }
            assert_eq!(plain.persons, memoed.persons);
            for k in 0..persons.reducers.len() {
                assert_eq!(
                    persons.reduced(&plain, k),
                    persons.reduced(&memoed, k),
                    "reducer {k}"
                );
            }
            let (a, b) = (persons.check(&plain), persons.check(&memoed));
            problems += usize::from(a.is_err());
            assert_eq!(a, b);
        }
        // Households without a head, and with two, were among them.
        assert!(problems > 100, "{problems}");
        assert!(memo.stores > 1_000, "{}", memo.stores);
    }

    /// A reducer that reads an input no entry gives is folded by `add`.
    #[test]
    fn folds_need_every_input_a_reducer_reads() {
        let policy = Policy::default_policy(&LoadOptions::default()).unwrap();
        let persons = policy.persons.as_ref().unwrap();
        let without_age: Vec<usize> = ["relationship", "sex", "education", "in_school"]
            .iter()
            .map(|n| input(persons, n))
            .collect();
        assert!(persons.memo_folds(&without_age, 64).is_none());
        assert!(persons.memo_folds(&[], 64).is_none());
        let all: Vec<usize> = (0..persons.schema.inputs.len()).collect();
        assert!(persons.memo_folds(&all, 0).is_none());
        assert!(persons.memo_folds(&all, 64).is_some());
    }

    /// Every kind of reducer (`any`, `all`, `min` and `one` of a plain
    /// input, `max` and `sum` of computed values, `sum ... where`) and more
    /// counts than a mask holds, folded by `add` and by `add_memo` alike.
    #[test]
    fn memo_folds_fold_every_kind_of_reducer_as_add_does() {
        let mut inputs = String::from(
            r#"{ name = "household_id", type = "id", required = true },
    { name = "any_disabled", type = "bool", default = false, from_persons = 'any(disabled)' },
    { name = "all_work", type = "bool", default = true, from_persons = 'all(works)' },
    { name = "youngest", type = "integer", default = 0, from_persons = 'min(age)' },
    { name = "oldest2", type = "number", default = 0, from_persons = 'max(age * 2 where works)' },
    { name = "adult_pay", type = "money", default = 0, from_persons = 'sum(pay where age >= 18)' },
    { name = "head_age", type = "integer", default = 0, from_persons = 'one(age where role == head)' },
    { name = "levels", type = "number", default = 0, from_persons = 'sum(level * 0.5 + age where role == other)' },
"#,
        );
        // 70 counts: more than the 64 bits of a mask.
        for k in 0..70 {
            inputs.push_str(&format!(
                "    {{ name = \"at_least_{k}\", type = \"integer\", default = 0, from_persons = 'count(age >= {k})' }},\n"
            ));
        }
        let src = format!(
            r#"
policy = {{ id = "p", name = "p", version = "1" }}
inputs = [
    {inputs}]
person_inputs = [
    {{ name = "age", type = "integer", min = 0, max = 90, required = true }},
    {{ name = "role", type = "enum", values = ["head", "other"], default = "other" }},
    {{ name = "works", type = "bool", default = false }},
    {{ name = "disabled", type = "bool", default = false }},
    {{ name = "level", type = "integer", min = 0, max = 10, default = 0 }},
    {{ name = "pay", type = "money", min = 0, default = 0 }},
]
tracks = [{{ id = "all" }}]
"#
        );
        let policy = Policy::load("t.toml", &src, &LoadOptions::default()).unwrap();
        let persons = policy.persons.as_ref().unwrap();
        let names = ["age", "role", "works", "disabled", "level"];
        let given: Vec<usize> = names.iter().map(|n| input(persons, n)).collect();
        let pay = input(persons, "pay");
        let mut folds = persons
            .memo_folds(&given, 37)
            .expect("every reducer reads the run");
        assert_eq!((folds.counts.len(), folds.others.len()), (64, 13));
        let mut memo = FakeMemo::new(37);
        let width = persons.schema.slot_count.max(persons.schema.inputs.len());
        let mut next = draws(11);
        let (mut plain, mut memoed) = (reduction(persons), reduction(persons));
        for _ in 0..3_000 {
            persons.reset(&mut plain);
            persons.reset(&mut memoed);
            for _ in 0..1 + next(6) as usize {
                let mut slots = vec![0.0; width];
                slots[given[0]] = next(91);
                slots[given[1]] = next(2);
                slots[given[2]] = next(2);
                slots[given[3]] = next(2);
                slots[given[4]] = next(11);
                slots[pay] = next(5) * 1000.0;
                // A plain input's cell text, as the parser would have read it.
                let texts: Vec<Vec<u8>> =
                    slots.iter().map(|v| format!("{v}").into_bytes()).collect();
                let cell = |i: usize| -> &[u8] { texts.get(i).map_or(b"", Vec::as_slice) };
                persons.add(&mut plain, &slots, &cell);
                let entry = memo.entry(&given, &slots);
                persons.add_memo(&mut memoed, &slots, &cell, &mut folds, entry);
            }
            for k in 0..persons.reducers.len() {
                assert_eq!(
                    persons.reduced(&plain, k),
                    persons.reduced(&memoed, k),
                    "reducer {k}"
                );
            }
            assert_eq!(persons.check(&plain), persons.check(&memoed));
        }
        assert!(memo.stores > 500, "{}", memo.stores);
    }

    /// A mark left by an earlier evaluation sends the person to `add`,
    /// whatever the entry holds: here an entry whose folds were computed
    /// for other values (which a real memo never gives) is not used.
    #[test]
    fn a_stale_mark_folds_the_person_by_add() {
        let policy = Policy::default_policy(&LoadOptions::default()).unwrap();
        let persons = policy.persons.as_ref().unwrap();
        let all: Vec<usize> = (0..persons.schema.inputs.len()).collect();
        let mut folds = persons.memo_folds(&all, 4).unwrap();
        let width = persons.schema.slot_count.max(persons.schema.inputs.len());
        let age = input(persons, "age");
        let (mut child, mut elder) = (vec![0.0; width], vec![0.0; width]);
        child[age] = 3.0;
        elder[age] = 70.0;
        let young = persons
            .reducers
            .iter()
            .position(|r| r.source == "count(age <= 6)")
            .unwrap();
        let mut r = persons.start();
        // Entry 0, stamp 1: a child's folds.
        persons.add_memo(
            &mut r,
            &child,
            &|_: usize| -> &[u8] { b"" },
            &mut folds,
            (0, 1),
        );
        assert_eq!(
            persons.reduced(&r, young),
            Some(super::super::Reduced::Count(1))
        );
        persons.reset(&mut r);
        crate::expr::exact::mark_close(true);
        persons.add_memo(
            &mut r,
            &elder,
            &|_: usize| -> &[u8] { b"" },
            &mut folds,
            (0, 1),
        );
        assert_eq!(
            persons.reduced(&r, young),
            Some(super::super::Reduced::Count(0))
        );
        assert!(!crate::expr::exact::take_close());
    }

    /// A condition that comes within rounding error of its threshold is
    /// decided exactly every time: its entry keeps no folds.
    #[test]
    fn a_close_condition_keeps_no_folds() {
        // Two person inputs of a thousand values each: a million
        // combinations, too many to tabulate, so the program is evaluated.
        let src = r#"
policy = { id = "p", name = "p", version = "1" }
inputs = [
    { name = "household_id", type = "id", required = true },
    { name = "over", type = "integer", default = 0, from_persons = 'count(a * 0.000000001 + b * 0.000000001 > 0)' },
]
person_inputs = [
    { name = "a", type = "integer", min = 0, max = 1000, required = true },
    { name = "b", type = "integer", min = 0, max = 1000, required = true },
]
tracks = [{ id = "all" }]
"#;
        let policy = Policy::load("t.toml", src, &LoadOptions::default()).unwrap();
        let persons = policy.persons.as_ref().unwrap();
        let (a, b) = (input(persons, "a"), input(persons, "b"));
        let mut folds = persons.memo_folds(&[a, b], 8).unwrap();
        let width = persons.schema.slot_count.max(persons.schema.inputs.len());
        let (mut plain, mut memoed) = (persons.start(), persons.start());
        // One billionth above 0 is within rounding error of the comparison's
        // tolerance; three are not.
        for (va, vb, kept) in [(1.0, 0.0, false), (2.0, 1.0, true), (1.0, 0.0, false)] {
            let mut slots = vec![0.0; width];
            slots[a] = va;
            slots[b] = vb;
            let entry = (va as usize, 1 + va as u64);
            persons.add(&mut plain, &slots, &|_| b"");
            persons.add_memo(
                &mut memoed,
                &slots,
                &|_: usize| -> &[u8] { b"" },
                &mut folds,
                entry,
            );
            assert_eq!(folds.stamps[entry.0] == entry.1, kept, "{va} {vb}");
            assert_eq!(persons.reduced(&plain, 0), persons.reduced(&memoed, 0));
        }
    }
}
