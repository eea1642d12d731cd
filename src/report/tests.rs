use super::*;
use crate::engine::{Engine, ProgramOutcome};
use crate::policy::Deprivation;

/// The reasons as they were written before [`Plan`]: straight from the policy.
fn reference_reasons(p: &Policy, s: &mut Scratch, sep: &[u8], out: &mut Vec<u8>) {
    let mut first = true;
    let mut next = |out: &mut Vec<u8>| {
        if !first {
            out.extend_from_slice(sep);
        }
        first = false;
    };
    for (r, &holds) in p.reasons.iter().zip(&s.reasons) {
        if holds {
            next(out);
            out.extend_from_slice(r.id.as_bytes());
            out.extend_from_slice(b": ");
            r.text.render(&s.slots, &p.enums, out);
        }
    }
    if let Some(dep) = &p.deprivation {
        next(out);
        reference_deprivation_sentence(p, dep, s, out);
    }
    for (prog, o) in p.programs.iter().zip(&s.programs) {
        if o.status != Status::Denied {
            next(out);
            reference_program_sentence(p, prog, o, s, out);
        }
    }
    if let Some(t) = p.tracks.get(s.track) {
        next(out);
        out.extend_from_slice(p.words.track.as_bytes());
        out.push(b' ');
        out.extend_from_slice(t.id.as_bytes());
        if let Some(r) = &t.reason {
            out.extend_from_slice(b": ");
            r.render(&s.slots, &p.enums, out);
        }
    }
}

/// `deprivation: score S (status): label; label`.
fn reference_deprivation_sentence(p: &Policy, dep: &Deprivation, s: &Scratch, out: &mut Vec<u8>) {
    out.extend_from_slice(p.words.deprivation_score.as_bytes());
    out.push(b' ');
    match p.lang {
        Lang::En => numfmt::write_fixed(s.slots[dep.score_slot], 4, out),
        lang => lang.write_fixed(s.slots[dep.score_slot], 4, out),
    }
    out.extend_from_slice(b" (");
    let status = p
        .words
        .statuses()
        .get(s.slots[dep.status_slot] as usize)
        .copied()
        .unwrap_or("?");
    out.extend_from_slice(status.as_bytes());
    out.extend_from_slice(b")");
    let mut any = false;
    for ind in &dep.indicators {
        if s.slots[ind.slot] != 0.0 {
            out.extend_from_slice(if any { b"; " } else { b": " });
            any = true;
            let label = if ind.label.is_empty() {
                &ind.id
            } else {
                &ind.label
            };
            out.extend_from_slice(label.as_bytes());
        }
    }
}

/// A number as English reasons have always written it, or in the language's way.
fn number(lang: Lang, v: f64, out: &mut Vec<u8>) {
    match lang {
        Lang::En => numfmt::write_grouped(v, out),
        lang => lang.write_number(v, out),
    }
}

/// `id: [deferred[, starts after N months]; ]reason[; capped from …]`.
fn reference_program_sentence(
    p: &Policy,
    prog: &Benefit,
    o: &ProgramOutcome,
    s: &Scratch,
    out: &mut Vec<u8>,
) {
    out.extend_from_slice(prog.id.as_bytes());
    out.extend_from_slice(b": ");
    let w = &p.words;
    let word = |out: &mut Vec<u8>, before: &str, word: &str, after: &str| {
        out.extend_from_slice(format!("{before}{word}{after}").as_bytes());
    };
    if o.status == Status::Deferred {
        out.extend_from_slice(w.deferred.to_lowercase().as_bytes());
        if let Some(m) = o.starts_after_months {
            word(out, ", ", &w.starts_after, " ");
            number(p.lang, m, out);
            word(out, " ", w.months_for(m), "");
        }
        out.extend_from_slice(b"; ");
    }
    match &prog.reason {
        Some(t) => t.render(&s.slots, &p.enums, out),
        None => out.extend_from_slice(w.eligible.as_bytes()),
    }
    if let Some(from) = o.capped_from {
        word(out, "; ", &w.capped_from, " ");
        number(p.lang, from, out);
        word(out, " ", &w.to, " ");
        number(p.lang, o.amount, out);
        if let Some(cap) = s.cap {
            word(out, " ", &w.by_cap, " ");
            number(p.lang, cap, out);
        }
    }
}

/// A decision with every field random (slots, reasons, programs, totals).
fn random_scratch(rng: &mut Rng, engine: &Engine<'_>, p: &Policy) -> Scratch {
    let statuses = [Status::Denied, Status::Granted, Status::Deferred];
    let mut s = engine.scratch();
    for v in &mut s.slots {
        *v = rng.value();
    }
    s.reasons = (0..p.reasons.len()).map(|_| rng.below(3) == 0).collect();
    for o in &mut s.programs {
        o.status = statuses[rng.below(3) as usize];
        o.amount = rng.value();
        o.capped_from = rng.opt();
        o.starts_after_months = rng.opt();
        o.duration_months = rng.opt();
    }
    s.cap = rng.opt();
    s.track = rng.below(p.tracks.len() as u64 + 1) as usize;
    s.monthly_total = rng.value();
    s.one_off_total = rng.value();
    s.capped = rng.below(2) == 0;
    s.review_after_months = rng.below(40) as u32;
    s.priority = rng.value();
    s
}

use crate::numfmt::tests::Rng;

impl Rng {
    /// Small integers (enum indexes, flags, counts, out of range too), money, fractions, NaN.
    fn value(&mut self) -> f64 {
        match self.below(6) {
            0 => self.below(6) as f64,
            1 => self.below(2) as f64,
            2 => self.below(10_000_000) as f64 / 4.0,
            3 => self.unit(),
            4 => -(self.below(1000) as f64),
            _ => [f64::NAN, f64::INFINITY, 1e300, -0.0][self.below(4) as usize],
        }
    }

    fn opt(&mut self) -> Option<f64> {
        if self.below(2) == 0 {
            None
        } else {
            Some(self.value())
        }
    }
}

/// Policies with deprivation or without, programs and tracks with and
/// without reasons, templates with `"`, slot and expression holes.
fn policies() -> Vec<Policy> {
    let opts = Default::default();
    let default = crate::policy::DEFAULT_POLICY_TOML;
    let variant = default
        .replace(
            "reason.en = \"basic needs: income {income_status}, deprivation {deprivation_status}\"\n",
            "",
        )
        .replace(
            "reason.id = \"kebutuhan dasar: menurut pendapatan {income_status}, menurut kemiskinan multidimensi {deprivation_status}\"\n",
            "",
        )
        .replace(
            "reason.en = \"help to help themselves: a livelihood grant\"\n",
            "",
        )
        .replace(
            "reason.id = \"pemberdayaan agar mampu menolong diri sendiri: bantuan modal usaha\"\n",
            "",
        )
        .replace(
            "reason.en = \"no program's conditions are met\"",
            "reason.en = \"{members} \\\"members\\\", {members + 1}\"",
       )
        .replace(
            "reason.id = \"tidak ada program yang syaratnya terpenuhi\"",
            "reason.id = \"{members} \\\"anggota\\\", {members + 1}\"",
        );
    assert_ne!(variant, default);
    let indonesian = crate::policy::LangChoice {
        requested: Some(Lang::Id),
        environment: None,
    };
    let mut all = vec![
        Policy::load("default", default, &opts).unwrap(),
        Policy::load("variant", &variant, &opts).unwrap(),
        Policy::load_in("default-id", default, &opts, false, indonesian).unwrap(),
        Policy::load_in("variant-id", &variant, &opts, false, indonesian).unwrap(),
    ];
    // Texts that JSON must escape: a NUL and a tab in reasons, quotes and
    // backslashes in the policy's id, version and a label (a provider is
    // one of four keywords).
    let mut hostile = default.to_owned();
    for (from, to) in [
        (
            "id = \"layak-default\"",
            "id = \"layak \\\"default\\\" \\\\ x\"",
        ),
        ("version = \"1.0.0\"", "version = \"1.0.0\\t\\u0001\""),
        (
            "label.en = \"earth or bamboo floor\"",
            "label.en = \"earth\\tor \\\\bamboo\\\\ floor\"",
        ),
        (
            "reason.en = \"direct assistance during the emergency, then capacity building\"",
            "reason.en = \"direct assistance\\u0000during the emergency\\nthen {members}\"",
        ),
        (
            "reason.id = \"bantuan langsung selama keadaan darurat, kemudian pemberdayaan\"",
            "reason.id = \"bantuan\\u0000langsung\\nlalu {members}\"",
        ),
    ] {
        assert!(hostile.contains(from), "{from}");
        hostile = hostile.replace(from, to);
    }
    all.push(Policy::load("hostile", &hostile, &opts).unwrap());
    // A label with an escape only: everything else plain.
    let label = default.replace(
        "label.en = \"earth or bamboo floor\"",
        "label.en = \"earth \\\"or\\\" bamboo floor\"",
    );
    assert_ne!(label, default);
    all.push(Policy::load("label", &label, &opts).unwrap());
    for (name, text) in [
        (
            "income-only",
            include_str!("../../examples/policies/income-only.toml"),
        ),
        ("mpi", include_str!("../../examples/policies/mpi.toml")),
    ] {
        all.push(Policy::load(name, text, &opts).unwrap());
    }
    all
}

#[test]
fn reasons_match_reference() {
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    for p in &policies() {
        let engine = Engine::new(p);
        for format in [Format::Csv, Format::Json, Format::Ndjson] {
            let writer = DecisionWriter::new(p, format);
            let sep: &[u8] = match format {
                Format::Csv => b" | ",
                _ if writer.json.plain_reasons => b"\",\"",
                _ => b"\0",
            };
            for _ in 0..3000 {
                let mut s = random_scratch(&mut rng, &engine, p);
                let mut expected = Vec::new();
                reference_reasons(p, &mut s, sep, &mut expected);
                let expected = String::from_utf8_lossy(&expected).into_owned();
                // Without facts found up front (the JSON way), after other bytes.
                let mut plain = b"prefix".to_vec();
                writer.reasons(&mut s, &RowFacts::default(), &mut plain);
                assert_eq!(String::from_utf8_lossy(&plain[6..]), expected, "{}", p.file);
                // With them, as the CSV row does: the score is already in the output.
                let mut got = b"prefix".to_vec();
                let mut facts = RowFacts::default();
                if let Some(dep) = &p.deprivation {
                    let start = got.len();
                    numfmt::write_fixed(s.slots[dep.score_slot], 4, &mut got);
                    facts.score = Some(start..got.len());
                }
                let start = got.len();
                writer.reasons(&mut s, &facts, &mut got);
                assert_eq!(
                    String::from_utf8_lossy(&got[start..]),
                    expected,
                    "{}",
                    p.file
                );
            }
        }
    }
}

/// A JSON object as it was written before [`json::JsonPlan`]: key by key,
/// reasons rendered with NUL separators, then split and escaped.
use crate::report::json::write_json_str as json_str;

/// `"name":`
fn json_key(name: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
}

fn json_bool_or_null(v: Option<bool>, out: &mut Vec<u8>) {
    out.extend_from_slice(match v {
        Some(true) => b"true",
        Some(false) => b"false",
        None => b"null",
    });
}

fn json_opt_num(v: Option<f64>, out: &mut Vec<u8>) {
    match v {
        Some(x) => numfmt::write_shortest(x, out),
        None => out.extend_from_slice(b"null"),
    }
}

/// `items` as a JSON array of strings.
fn json_str_array<'a>(items: impl Iterator<Item = &'a [u8]>, out: &mut Vec<u8>) {
    out.push(b'[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        json_str(item, out);
    }
    out.push(b']');
}

/// The wire format written field by field, without plans: what
/// `json_object` must match.
fn reference_json_object(p: &Policy, d: &mut Decision<'_>, out: &mut Vec<u8>) {
    let s = &mut *d.scratch;
    out.push(b'{');
    json_key("household_id", out);
    json_str(d.household_id, out);
    out.push(b',');
    json_key("region", out);
    json_str(d.region, out);
    out.push(b',');
    reference_json_measures(p, s, out);
    json_key("track", out);
    let track = p.tracks.get(s.track).map_or("", |t| t.id.as_str());
    json_str(track.as_bytes(), out);
    out.push(b',');
    json_key("programs", out);
    out.push(b'[');
    let granted_or_deferred = p
        .programs
        .iter()
        .zip(&s.programs)
        .filter(|(_, o)| o.status != Status::Denied);
    for (i, (prog, o)) in granted_or_deferred.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        reference_json_program(p, prog, o, s, out);
    }
    out.extend_from_slice(b"],");
    json_key("deferred", out);
    let deferred = p
        .programs
        .iter()
        .zip(&s.programs)
        .filter(|(_, o)| o.status == Status::Deferred)
        .map(|(prog, _)| prog.id.as_bytes());
    json_str_array(deferred, out);
    out.push(b',');
    reference_json_totals(s, out);
    json_key("reasons", out);
    let mut cell = Vec::new();
    reference_reasons(p, s, b"\0", &mut cell);
    json_str_array(cell.split(|&b| b == 0), out);
    out.push(b',');
    json_key("policy_id", out);
    json_str(p.meta.id.as_bytes(), out);
    out.push(b',');
    json_key("policy_version", out);
    json_str(p.meta.version.as_bytes(), out);
    out.push(b',');
    json_key("policy_hash", out);
    json_str(p.hash.as_bytes(), out);
    out.push(b'}');
}

/// The fields from `income_status` to `labour_capacity`, each followed
/// by `,`.
fn reference_json_measures(p: &Policy, s: &Scratch, out: &mut Vec<u8>) {
    json_key("income_status", out);
    match p.fields.income_status {
        Some((slot, e)) => {
            let name = p
                .enums
                .get(usize::from(e))
                .and_then(|e| e.values.get(s.slots[slot] as usize))
                .map_or("", String::as_str);
            json_str(name.as_bytes(), out);
        }
        None => out.extend_from_slice(b"null"),
    }
    out.push(b',');
    json_key("per_capita_income", out);
    json_opt_num(
        p.fields
            .per_capita_income
            .map(|slot| numfmt::round_half_up(s.slots[slot], 2)),
        out,
    );
    out.push(b',');
    json_key("poverty_line", out);
    json_opt_num(p.fields.poverty_line.map(|slot| s.slots[slot]), out);
    out.push(b',');
    json_key("deprivation_score", out);
    json_opt_num(
        p.deprivation.as_ref().map(|dep| s.slots[dep.score_slot]),
        out,
    );
    out.push(b',');
    json_key("deprivation_status", out);
    match &p.deprivation {
        Some(dep) => {
            let st = crate::policy::DEPRIVATION_STATUSES
                .get(s.slots[dep.status_slot] as usize)
                .copied()
                .unwrap_or("");
            json_str(st.as_bytes(), out);
        }
        None => out.extend_from_slice(b"null"),
    }
    out.push(b',');
    json_key("deprived", out);
    let deprived = p
        .deprivation
        .iter()
        .flat_map(|dep| &dep.indicators)
        .filter(|ind| s.slots[ind.slot] != 0.0)
        .map(|ind| ind.id.as_bytes());
    json_str_array(deprived, out);
    out.push(b',');
    json_key("emergency", out);
    json_bool_or_null(p.fields.emergency.map(|slot| s.slots[slot] != 0.0), out);
    out.push(b',');
    json_key("labour_capacity", out);
    json_bool_or_null(
        p.fields.labour_capacity.map(|slot| s.slots[slot] != 0.0),
        out,
    );
    out.push(b',');
}

/// One object of `programs`.
fn reference_json_program(
    p: &Policy,
    prog: &Benefit,
    o: &ProgramOutcome,
    s: &Scratch,
    out: &mut Vec<u8>,
) {
    out.push(b'{');
    json_key("id", out);
    json_str(prog.id.as_bytes(), out);
    out.push(b',');
    json_key("kind", out);
    json_str(prog.kind.as_bytes(), out);
    out.push(b',');
    json_key("provider", out);
    json_str(prog.provider.as_bytes(), out);
    out.push(b',');
    json_key("status", out);
    json_str(o.status.as_str().as_bytes(), out);
    out.push(b',');
    json_key("amount", out);
    numfmt::write_shortest(o.amount, out);
    out.push(b',');
    json_key("period", out);
    json_str(prog.period.keyword().as_bytes(), out);
    out.push(b',');
    json_key("duration_months", out);
    json_opt_num(o.duration_months, out);
    out.push(b',');
    json_key("starts_after_months", out);
    json_opt_num(o.starts_after_months, out);
    out.push(b',');
    json_key("review_months", out);
    numfmt::write_int(i64::from(prog.review_months), out);
    out.push(b',');
    json_key("capped_from", out);
    json_opt_num(o.capped_from, out);
    out.push(b',');
    json_key("reason", out);
    let mut cell = Vec::new();
    match &prog.reason {
        Some(t) => t.render(&s.slots, &p.enums, &mut cell),
        None => cell.extend_from_slice(b"eligible"),
    }
    json_str(&cell, out);
    out.push(b'}');
}

/// The fields from `monthly_total` to `priority`, each followed by `,`.
fn reference_json_totals(s: &Scratch, out: &mut Vec<u8>) {
    json_key("monthly_total", out);
    numfmt::write_shortest(s.monthly_total, out);
    out.push(b',');
    json_key("one_off_total", out);
    numfmt::write_shortest(s.one_off_total, out);
    out.push(b',');
    json_key("capped", out);
    json_bool_or_null(Some(s.capped), out);
    out.push(b',');
    json_key("review_after_months", out);
    numfmt::write_int(i64::from(s.review_after_months), out);
    out.push(b',');
    json_key("priority", out);
    numfmt::write_shortest(numfmt::round_half_up(s.priority, 1), out);
    out.push(b',');
}

#[test]
fn json_matches_reference() {
    let mut rng = Rng(0x0dd_ba11_cafe_f00d);
    let ids: [&[u8]; 4] = [b"H1", b"a \"quoted\" id", b"tab\there\\", b""];
    let mut plain = 0;
    for p in &policies() {
        let engine = Engine::new(p);
        let mut writer = DecisionWriter::new(p, Format::Ndjson);
        plain += usize::from(writer.json.plain_reasons);
        for _ in 0..3000 {
            let mut s = random_scratch(&mut rng, &engine, p);
            let household_id = ids[rng.below(4) as usize];
            let region = ids[rng.below(4) as usize];
            let mut expected = Vec::new();
            reference_json_object(
                p,
                &mut Decision {
                    household_id,
                    region,
                    scratch: &mut s,
                },
                &mut expected,
            );
            let mut got = b"prefix".to_vec();
            writer.json_object(
                &mut Decision {
                    household_id,
                    region,
                    scratch: &mut s,
                },
                &mut got,
            );
            assert_eq!(
                String::from_utf8_lossy(&got[6..]),
                String::from_utf8_lossy(&expected),
                "{}",
                p.file
            );
        }
    }
    // Both ways of writing reasons are compared.
    assert!(plain > 0 && plain < policies().len(), "{plain}");
}

#[test]
fn csv_tail_is_the_policy_columns() {
    let mut p = Policy::default_policy(&Default::default()).unwrap();
    p.meta.id = "a,b".into();
    p.meta.version = "say \"1\"".into();
    let writer = DecisionWriter::new(&p, Format::Csv);
    assert_eq!(
        String::from_utf8_lossy(&writer.plan.csv_tail),
        format!("\",\"a,b\",\"say \"\"1\"\"\",{}\n", p.hash)
    );
}

/// Stage mode's Arrow output holds, row for row, the CSV of the same
/// decisions read back in each column's type (as a Parquet output does),
/// with rejects anywhere between them: the columns filled in bulk (`kind`,
/// the policy's id, version and hash, a field the policy does not have,
/// the reject's) hold what a row at a time would.
#[test]
fn arrow_rows_are_the_csv_read_back() {
    use crate::input::{Reject, RejectCode};
    use crate::report::stage::{ArrowRows, REJECT_FIELDS};
    use crate::report::table::{self, IpcMessage, TextColumn, TypedColumn, Values};

    let mut rng = Rng(0x5ca1_ab1e_0bad_cafe);
    for p in &policies() {
        let engine = Engine::new(p);
        // Every column, and every value of the policy that is one.
        let mut spec =
            "core,policy_id,emergency,policy_hash,labour_capacity,policy_version".to_string();
        let values = p.derived.iter().map(|d| &d.name);
        for name in values.chain(p.inputs.iter().map(|i| &i.name)) {
            if columns::resolve(p, &format!("{spec},{name}")).is_ok() {
                spec = format!("{spec},{name}");
            }
        }
        let chosen = columns::resolve(p, &spec).unwrap();
        for (columns, reasons) in [
            (None, ReasonsMode::Text),
            (None, ReasonsMode::Codes),
            (Some(chosen), ReasonsMode::Text),
        ] {
            let shape = OutputShape {
                columns,
                reasons,
                excel: false,
                raw_text: true,
            };
            let mut types = table::column_types(&shape);
            types.retain(|(name, _)| !table::is_appended(name));
            let mut rows = ArrowRows::new(p, &shape, &types).unwrap();
            let mut csv = DecisionWriter::with_shape(p, Format::Csv, Some(&shape));
            let mut kind = TextColumn::default();
            let mut index = Values::<i64>::default();
            let mut expected: Vec<TypedColumn> =
                types.iter().map(|(_, c)| TypedColumn::new(*c)).collect();
            let mut reject_columns = REJECT_FIELDS.map(|_| TextColumn::default());
            let (mut got, mut want) = (Vec::new(), Vec::new());
            let mut record = 0u64;
            let mut line = Vec::new();
            let mut fields = ::csv::ByteRecord::new();
            // No reject, some, half, all; batches of 0 to 39 records.
            for batch in 0..12 {
                for _ in 0..rng.below(40) {
                    index.push(record as i64);
                    if rng.below(4) < batch % 4 {
                        let r = Reject {
                            line: record + 2,
                            household_id: ["", "H\"1"][rng.below(2) as usize].into(),
                            column: "members".into(),
                            value: "x".into(),
                            code: RejectCode::InvalidValue,
                            message: "not a number".into(),
                        };
                        rows.reject(record, &r).unwrap();
                        kind.field(b"reject").unwrap();
                        for (i, c) in expected.iter_mut().enumerate() {
                            match i {
                                0 => c.field(r.household_id.as_bytes()).unwrap(),
                                _ => c.null(),
                            }
                        }
                        let texts = [&r.column, &r.value, r.code.as_str(), &r.message];
                        for (c, t) in reject_columns.iter_mut().zip(texts) {
                            c.field(t.as_bytes()).unwrap();
                        }
                    } else {
                        let mut s = random_scratch(&mut rng, &engine, p);
                        // Money and totals as a decision has them: finite
                        // (DECIMAL(18,2) and INT64 hold no other).
                        let money = [p.fields.per_capita_income, p.fields.poverty_line];
                        for slot in money.into_iter().flatten() {
                            s.slots[slot] = rng.below(1 << 40) as f64 / 3.0;
                        }
                        s.monthly_total = rng.below(1 << 40) as f64;
                        s.one_off_total = rng.below(1 << 40) as f64;
                        let mut d = Decision {
                            household_id: b"H\"1",
                            region: b"32 01",
                            scratch: &mut s,
                        };
                        rows.decision(record, &mut d, None).unwrap();
                        line.clear();
                        csv.shaped_csv_row(&mut d, &mut line);
                        let mut reader = ::csv::ReaderBuilder::new()
                            .has_headers(false)
                            .from_reader(&line[..]);
                        assert!(reader.read_byte_record(&mut fields).unwrap());
                        kind.field(b"decision").unwrap();
                        for (c, field) in expected.iter_mut().zip(&fields) {
                            c.field(field).unwrap();
                        }
                        reject_columns.iter_mut().for_each(TextColumn::null);
                    }
                    record += 1;
                }
                rows.write(&mut got).unwrap();
                if kind.is_empty() {
                    continue;
                }
                kind.seal().unwrap();
                expected.iter_mut().for_each(|c| c.seal().unwrap());
                reject_columns.iter_mut().for_each(|c| c.seal().unwrap());
                let mut message = IpcMessage::new(kind.len(), types.len() + 6);
                message.text(&kind);
                message.values(&index);
                expected.iter().for_each(|c| message.column(c));
                reject_columns.iter().for_each(|c| message.text(c));
                message.write(&mut flatbuffers::FlatBufferBuilder::new(), &mut want);
                kind.clear();
                index.clear();
                expected.iter_mut().for_each(TypedColumn::clear);
                reject_columns.iter_mut().for_each(TextColumn::clear);
            }
            assert!(got == want, "{} {reasons:?} {spec}", p.meta.id);
        }
    }
}
