//! Community verification (issue 20 item 5): `--overrides FILE`, the outcome
//! of a village deliberation (musyawarah desa) that confirms or corrects the
//! computed list.
//!
//! The file is CSV with the header `household_id,program,action,value,
//! reason,decided_by,date` (any column order). Each line is checked when the
//! file is loaded, and every bad line is reported at once: an unknown
//! program (with a suggestion), an unknown action, a value that does not fit
//! the action, a date that is not `YYYY-MM-DD`, an empty reason or author,
//! or a second override of the same household and program. After the run,
//! an override whose household was not decided (an unknown id, or a row
//! that was rejected) is an error listing each such line.
//!
//! Overrides are applied to a decided household **after the policy's rules
//! (stacking and caps included) and before the budget ranking**: the
//! community's list is the one ranked and funded. A household without an
//! override pays one hash look-up (none when no file is given).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

use crate::engine::{Engine, EvalError, Overridden, Scratch, Status};
use crate::policy::Policy;

/// What an override does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Grant the program (`value`: its amount; empty: the policy's amount).
    Grant,
    /// Deny the program, or every program with `*`.
    Deny,
    /// Put the household on the track named by `value` (program `*`).
    SetTrack,
    /// Pay the program the amount in `value` (granting it if it was not).
    SetAmount,
}

impl Action {
    pub const ALL: [Action; 4] = [
        Action::Grant,
        Action::Deny,
        Action::SetTrack,
        Action::SetAmount,
    ];

    pub fn keyword(self) -> &'static str {
        match self {
            Action::Grant => "grant",
            Action::Deny => "deny",
            Action::SetTrack => "set_track",
            Action::SetAmount => "set_amount",
        }
    }
}

/// One checked line of the overrides file.
#[derive(Debug, Clone)]
pub struct Override {
    /// The line in the file (1 is the header).
    pub line: u64,
    pub household: Box<[u8]>,
    /// The program's index; `None` for `*` (every program, or the track).
    pub program: Option<usize>,
    pub action: Action,
    /// `grant`, `set_amount`: the amount, if given.
    pub amount: Option<f64>,
    /// `set_track`: the track's index.
    pub track: Option<usize>,
    /// The `value` cell as written.
    pub value: String,
    pub reason: String,
    pub decided_by: String,
    pub date: String,
}

/// The overrides of a run, by household id.
#[derive(Debug, Default)]
pub struct Overrides {
    pub file: String,
    pub items: Vec<Override>,
    /// Household id → indices into `items`, hashed with FNV-1a (a short id
    /// hashes in a few dozen instructions; SipHash took about 250 a row).
    by_id: HashMap<Box<[u8]>, Vec<u32>, Fnv>,
    /// Whether each override met its household (in any pass).
    applied: Vec<AtomicBool>,
    /// Writing pass: per action, how many were applied, and the change in
    /// the monthly and one-off totals they made.
    counts: [AtomicU64; 4],
    monthly_delta: [AtomicI64; 4],
    one_off_delta: [AtomicI64; 4],
}

/// FNV-1a 64 as a `HashMap` hasher: the keys are the file's own ids (no
/// adversary chooses them to collide), and most look-ups miss.
#[derive(Debug, Default, Clone, Copy)]
pub struct Fnv;

/// The running FNV-1a 64 state.
pub struct FnvHasher(u64);

impl std::hash::BuildHasher for Fnv {
    type Hasher = FnvHasher;
    fn build_hasher(&self) -> FnvHasher {
        FnvHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// Every bad line of an overrides file, or after the run, every override
/// that met no decided household.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", self.render())]
pub struct OverrideError {
    pub file: String,
    /// (line, message), in file order.
    pub problems: Vec<(u64, String)>,
}

impl OverrideError {
    /// `FILE: N bad lines:` and one line per problem.
    fn render(&self) -> String {
        let mut lines: Vec<u64> = self.problems.iter().map(|p| p.0).collect();
        lines.dedup();
        let n = lines.len();
        let mut out = format!(
            "{}: {n} bad {}:",
            self.file,
            if n == 1 { "line" } else { "lines" }
        );
        for (line, message) in &self.problems {
            out.push_str(&format!("\n  line {line}: {message}"));
        }
        out
    }
}

/// What the summary says of the overrides applied (`overrides` in the
/// `--summary` JSON).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct OverrideFigures {
    pub file: String,
    /// Per action, in the order grant, deny, set_track, set_amount.
    pub actions: Vec<ActionFigures>,
}

/// One action's overrides: how many were applied, and how much they
/// changed the households' monthly and one-off totals (whole units; negative
/// when they took aid away).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ActionFigures {
    pub action: &'static str,
    pub applied: u64,
    pub monthly_change: i64,
    pub one_off_change: i64,
}

/// One override per household, program (`*`: all) and kind (track or programs).
type Key = (Box<[u8]>, Option<usize>, bool);

const COLUMNS: [&str; 7] = [
    "household_id",
    "program",
    "action",
    "value",
    "reason",
    "decided_by",
    "date",
];

impl Overrides {
    /// Read and check an overrides file's text against `policy`.
    pub fn parse(file: &str, text: &[u8], policy: &Policy) -> Result<Overrides, OverrideError> {
        let fail = |problems| OverrideError {
            file: file.to_string(),
            problems,
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text);
        let mut records = reader.byte_records();
        let header = match records.next() {
            Some(Ok(h)) => h,
            Some(Err(e)) => return Err(fail(vec![(1, format!("cannot read the header: {e}"))])),
            None => {
                return Err(fail(vec![(
                    1,
                    format!(
                        "the file is empty: it needs the header {}",
                        COLUMNS.join(",")
                    ),
                )]));
            }
        };
        let names: Vec<String> = header
            .iter()
            .map(|h| {
                String::from_utf8_lossy(h)
                    .trim()
                    .trim_start_matches('\u{feff}')
                    .to_ascii_lowercase()
            })
            .collect();
        let mut at = [0usize; 7];
        let mut missing = Vec::new();
        for (k, col) in COLUMNS.iter().enumerate() {
            match names.iter().position(|n| n == col) {
                Some(i) => at[k] = i,
                None => missing.push(*col),
            }
        }
        if !missing.is_empty() {
            return Err(fail(vec![(
                1,
                format!(
                    "the header lacks {}: it needs {}",
                    missing.join(", "),
                    COLUMNS.join(",")
                ),
            )]));
        }
        let mut out = Overrides {
            file: file.to_string(),
            ..Default::default()
        };
        let mut problems = Vec::new();
        let mut seen: HashMap<Key, u64> = HashMap::new();
        for (n, record) in records.enumerate() {
            let line = n as u64 + 2;
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    problems.push((line, format!("cannot read the line: {e}")));
                    continue;
                }
            };
            if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
                continue;
            }
            let cell = |k: usize| -> String {
                String::from_utf8_lossy(record.get(at[k]).unwrap_or(b""))
                    .trim()
                    .to_string()
            };
            match check_line(
                policy,
                line,
                [
                    cell(0),
                    cell(1),
                    cell(2),
                    cell(3),
                    cell(4),
                    cell(5),
                    cell(6),
                ],
            ) {
                Err(mut ms) => problems.extend(ms.drain(..).map(|m| (line, m))),
                Ok(o) => {
                    let key = (o.household.clone(), o.program, o.action == Action::SetTrack);
                    if let Some(first) = seen.get(&key) {
                        problems.push((
                            line,
                            format!(
                                "household `{}` already has an override of {} on line {first}",
                                String::from_utf8_lossy(&o.household),
                                o.program.map_or("`*`".to_string(), |p| format!(
                                    "`{}`",
                                    policy.programs[p].id
                                )),
                            ),
                        ));
                        continue;
                    }
                    seen.insert(key, line);
                    let index = out.items.len() as u32;
                    out.by_id
                        .entry(o.household.clone())
                        .or_default()
                        .push(index);
                    out.items.push(o);
                }
            }
        }
        if !problems.is_empty() {
            return Err(fail(problems));
        }
        out.applied = out.items.iter().map(|_| AtomicBool::new(false)).collect();
        Ok(out)
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Apply the overrides of household `id` to its decision in `s` (one
    /// hash look-up for a household without any). `count`: the writing
    /// pass, whose changes the summary counts.
    pub fn apply(
        &self,
        engine: &Engine<'_>,
        s: &mut Scratch,
        id: &[u8],
        count: bool,
    ) -> Result<(), EvalError> {
        s.overridden = None;
        if self.by_id.is_empty() {
            return Ok(());
        }
        let Some(list) = self.by_id.get(id) else {
            return Ok(());
        };
        let mut before = Box::new(Overridden {
            lines: list.clone(),
            programs: s.programs.clone(),
            track: s.track,
            monthly_total: s.monthly_total,
            one_off_total: s.one_off_total,
        });
        let mut track = None;
        for &i in list {
            let Some(o) = self.items.get(i as usize) else {
                continue;
            };
            let (monthly, one_off) = (s.monthly_total, s.one_off_total);
            // Amounts are paid in whole units, as the policy's are.
            let amount = o.amount.map(|a| crate::numfmt::round_half_up(a, 0));
            match (o.action, o.program) {
                (Action::Deny, None) => {
                    for out in s.programs.iter_mut() {
                        *out = Default::default();
                    }
                }
                (Action::Deny, Some(p)) => s.programs[p] = Default::default(),
                (Action::Grant, Some(p)) => {
                    if s.programs[p].status != Status::Granted {
                        let amount = match amount {
                            Some(a) => a,
                            None => engine.program_amount(p, s)?,
                        };
                        s.programs[p] = crate::engine::ProgramOutcome {
                            status: Status::Granted,
                            amount,
                            ..Default::default()
                        };
                    } else if let Some(a) = amount {
                        s.programs[p].amount = a;
                        s.programs[p].capped_from = None;
                    }
                }
                (Action::SetAmount, Some(p)) => {
                    let a = amount.unwrap_or(0.0);
                    if s.programs[p].status == Status::Denied {
                        s.programs[p] = crate::engine::ProgramOutcome {
                            status: Status::Granted,
                            ..Default::default()
                        };
                    }
                    s.programs[p].amount = a;
                    s.programs[p].capped_from = None;
                    s.programs[p].excluded_by = None;
                }
                (Action::SetTrack, _) => track = o.track,
                // Checked at load: grant and set_amount name a program.
                (Action::Grant | Action::SetAmount, None) => {}
            }
            engine.after_override(s, track)?;
            self.applied[i as usize].store(true, Ordering::Relaxed);
            if count {
                let k = o.action as usize;
                self.counts[k].fetch_add(1, Ordering::Relaxed);
                self.monthly_delta[k].fetch_add(
                    (s.monthly_total - monthly).round() as i64,
                    Ordering::Relaxed,
                );
                self.one_off_delta[k].fetch_add(
                    (s.one_off_total - one_off).round() as i64,
                    Ordering::Relaxed,
                );
            }
        }
        before.lines.shrink_to_fit();
        s.overridden = Some(before);
        Ok(())
    }

    /// The overrides that met no decided household: an error listing each.
    pub fn check_all_applied(&self) -> Result<(), OverrideError> {
        let problems: Vec<(u64, String)> = self
            .items
            .iter()
            .zip(&self.applied)
            .filter(|(_, a)| !a.load(Ordering::Relaxed))
            .map(|(o, _)| {
                (
                    o.line,
                    format!(
                        "household `{}` was not decided in this run (no such household id, or its row was rejected)",
                        String::from_utf8_lossy(&o.household)
                    ),
                )
            })
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(OverrideError {
                file: self.file.clone(),
                problems,
            })
        }
    }

    /// Per action: applied, change of the monthly and of the one-off total.
    pub fn figures(&self) -> OverrideFigures {
        OverrideFigures {
            file: self.file.clone(),
            actions: Action::ALL
                .iter()
                .map(|a| {
                    let k = *a as usize;
                    ActionFigures {
                        action: a.keyword(),
                        applied: self.counts[k].load(Ordering::Relaxed),
                        monthly_change: self.monthly_delta[k].load(Ordering::Relaxed),
                        one_off_change: self.one_off_delta[k].load(Ordering::Relaxed),
                    }
                })
                .collect(),
        }
    }
}

/// One line's cells (in `COLUMNS` order) checked: every problem of the line.
fn check_line(policy: &Policy, line: u64, cells: [String; 7]) -> Result<Override, Vec<String>> {
    let [household, program, action, value, reason, decided_by, date] = cells;
    let mut ms = Vec::new();
    if household.is_empty() {
        ms.push("`household_id` is empty".to_string());
    }
    let program_index = if program == "*" {
        None
    } else {
        match policy.programs.iter().position(|p| p.id == program) {
            Some(i) => Some(i),
            None => {
                let hint =
                    crate::expr::suggest(&program, policy.programs.iter().map(|p| p.id.as_str()))
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default();
                let ids: Vec<&str> = policy.programs.iter().map(|p| p.id.as_str()).collect();
                ms.push(format!(
                    "unknown program `{program}`{hint}; programs: {}, or `*` for all",
                    ids.join(", ")
                ));
                None
            }
        }
    };
    let known_program = program == "*" || program_index.is_some();
    let act = Action::ALL.into_iter().find(|a| a.keyword() == action);
    let mut amount = None;
    let mut track = None;
    match act {
        None => {
            let hint = crate::expr::suggest(&action, Action::ALL.map(Action::keyword))
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            ms.push(format!(
                "unknown action `{action}`{hint}; actions: grant, deny, set_track, set_amount"
            ));
        }
        Some(Action::Deny) => {
            if !value.is_empty() {
                ms.push(format!("`deny` takes no value, found `{value}`"));
            }
        }
        Some(Action::Grant | Action::SetAmount) => {
            if program == "*" {
                ms.push(format!("`{action}` needs one program, not `*`"));
            }
            if value.is_empty() && act == Some(Action::SetAmount) {
                ms.push("`set_amount` needs an amount in `value`".to_string());
            } else if !value.is_empty() {
                match parse_amount(&value) {
                    Some(a) => amount = Some(a),
                    None => ms.push(format!(
                        "`{value}` is not an amount: expected whole or decimal digits from 0 to 1000000000000000, e.g. 150000"
                    )),
                }
            }
        }
        Some(Action::SetTrack) => {
            if program != "*" && known_program {
                ms.push(format!("`set_track` applies to the household: write `*` as the program, not `{program}`"));
            }
            match policy.tracks.iter().position(|t| t.id == value) {
                Some(t) => track = Some(t),
                None => {
                    let ids: Vec<&str> = policy.tracks.iter().map(|t| t.id.as_str()).collect();
                    let hint = crate::expr::suggest(&value, ids.iter().copied())
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default();
                    ms.push(format!(
                        "unknown track `{value}`{hint}; tracks: {}",
                        ids.join(", ")
                    ));
                }
            }
        }
    }
    if reason.is_empty() {
        ms.push("`reason` is empty: say why the community decided so".to_string());
    }
    if decided_by.is_empty() {
        ms.push(
            "`decided_by` is empty: say who decided (e.g. musyawarah desa Sukamaju)".to_string(),
        );
    }
    if !crate::policy::is_valid_date(&date) {
        ms.push(format!("`{date}` is not a date: expected YYYY-MM-DD"));
    }
    match act {
        Some(action) if ms.is_empty() => Ok(Override {
            line,
            household: household.into_bytes().into_boxed_slice(),
            program: program_index,
            action,
            amount,
            track,
            value,
            reason,
            decided_by,
            date,
        }),
        _ => Err(ms),
    }
}

/// The largest amount an override may set (10^15), so that totals stay
/// exact whole numbers in `f64`.
const MAX_AMOUNT: f64 = 1e15;

/// An amount: digits, optionally `.` and digits; not negative, at most
/// [`MAX_AMOUNT`].
fn parse_amount(s: &str) -> Option<f64> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (s.contains('.') && !digits(frac)) {
        return None;
    }
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0 && *v <= MAX_AMOUNT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::LoadOptions;

    fn policy() -> Policy {
        Policy::default_policy(&LoadOptions {
            as_of: Some("2025-06-01".into()),
        })
        .unwrap()
    }

    const HEAD: &str = "household_id,program,action,value,reason,decided_by,date\n";

    fn parse(body: &str) -> Result<Overrides, OverrideError> {
        Overrides::parse("o.csv", format!("{HEAD}{body}").as_bytes(), &policy())
    }

    #[test]
    fn each_action_is_read() {
        let o = parse(
            "H1,food_assistance,grant,,poor now,musyawarah,2025-06-14\n\
             H2,*,deny,,moved away,musyawarah,2025-06-14\n\
             H3,*,set_track,emergency,fire,musyawarah,2025-06-14\n\
             H4,education_support,set_amount,150000.50,scholarship,musyawarah,2025-06-14\n\
             H1,education_support,grant,80000,poor now,musyawarah,2025-06-14\n",
        )
        .unwrap();
        assert_eq!(o.items.len(), 5);
        assert_eq!(o.items[0].action, Action::Grant);
        assert_eq!(o.items[0].amount, None);
        assert_eq!(o.items[1].program, None);
        assert_eq!(o.items[2].track, Some(0));
        assert_eq!(o.items[3].amount, Some(150_000.5));
        assert_eq!(o.items[4].line, 6);
        assert_eq!(o.by_id.get(&b"H1"[..]).map(Vec::len), Some(2));
    }

    #[test]
    fn every_bad_line_is_reported_at_once() {
        let e = parse(
            "H1,food_asistance,grant,,r,by,2025-06-14\n\
             H2,*,refuse,,r,by,2025-06-14\n\
             H3,*,set_track,emergncy,r,by,2025-06-14\n\
             H4,education_support,set_amount,-5,r,by,2025-06-14\n\
             H5,*,deny,,,,2025-13-01\n\
             H6,food_assistance,deny,,r,by,2025-06-14\n\
             H6,food_assistance,grant,,r,by,2025-06-14\n\
             H7,*,grant,,r,by,2025-06-14\n\
             H8,food_assistance,set_track,emergency,r,by,2025-06-14\n",
        )
        .unwrap_err();
        let text = e.to_string();
        let lines: Vec<u64> = e.problems.iter().map(|p| p.0).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6, 6, 6, 8, 9, 10], "{text}");
        assert!(
            text.contains("unknown program `food_asistance` (did you mean `food_assistance`?)"),
            "{text}"
        );
        assert!(text.contains("unknown action `refuse`"), "{text}");
        assert!(
            text.contains("unknown track `emergncy` (did you mean `emergency`?)"),
            "{text}"
        );
        assert!(text.contains("`-5` is not an amount"), "{text}");
        assert!(text.contains("`reason` is empty"), "{text}");
        assert!(text.contains("`decided_by` is empty"), "{text}");
        assert!(text.contains("`2025-13-01` is not a date"), "{text}");
        assert!(
            text.contains("already has an override of `food_assistance` on line 7"),
            "{text}"
        );
        assert!(
            text.contains("`grant` needs one program, not `*`"),
            "{text}"
        );
        assert!(
            text.contains("`set_track` applies to the household"),
            "{text}"
        );
        assert!(text.starts_with("o.csv: 8 bad lines:"), "{text}");
    }

    #[test]
    fn a_header_without_the_columns_is_an_error() {
        let e = Overrides::parse("o.csv", b"household_id,program\nH1,x\n", &policy()).unwrap_err();
        assert!(
            e.to_string()
                .contains("the header lacks action, value, reason, decided_by, date"),
            "{e}"
        );
        let e = Overrides::parse("o.csv", b"", &policy()).unwrap_err();
        assert!(e.to_string().contains("the file is empty"), "{e}");
        // Columns in another order, and a blank line, are fine.
        let o = Overrides::parse(
            "o.csv",
            b"date,decided_by,reason,value,action,program,household_id\n\n2025-06-14,rt 03,moved,,deny,*,H1\n",
            &policy(),
        )
        .unwrap();
        assert_eq!(o.items[0].household.as_ref(), b"H1");
    }

    #[test]
    fn an_override_never_applied_is_an_error_after_the_run() {
        let o = parse("H1,*,deny,,r,by,2025-06-14\nNOPE,*,deny,,r,by,2025-06-14\n").unwrap();
        let p = policy();
        let engine = Engine::new(&p);
        let mut s = engine.scratch();
        for (i, inp) in p.inputs.iter().enumerate() {
            s.slots[i] = inp.default;
        }
        s.slots[p.inputs.iter().position(|i| i.name == "members").unwrap()] = 2.0;
        engine.decide(&mut s).unwrap();
        assert!(s.programs.iter().any(|o| o.status == Status::Granted));
        o.apply(&engine, &mut s, b"H1", true).unwrap();
        assert!(s.programs.iter().all(|o| o.status == Status::Denied));
        assert_eq!(s.monthly_total, 0.0);
        assert!(s.overridden.is_some());
        let e = o.check_all_applied().unwrap_err();
        assert_eq!(e.problems.len(), 1);
        assert_eq!(e.problems[0].0, 3);
        assert!(e.problems[0].1.contains("`NOPE` was not decided"));
        let f = o.figures();
        assert_eq!(f.actions[1].action, "deny");
        assert_eq!(f.actions[1].applied, 1);
        assert!(f.actions[1].monthly_change < 0);
        // A household without overrides: nothing changes, nothing noted.
        engine.decide(&mut s).unwrap();
        o.apply(&engine, &mut s, b"H2", true).unwrap();
        assert!(s.overridden.is_none());
    }
}
