//! `layak profile init|check`, loading `--profile FILE`, and the warning
//! when most of the policy's inputs have no column.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::sync::Arc;

use clap::Subcommand;

use super::{PolicyArgs, UsageError};
use crate::ExitStatus;
use crate::input::profile::{self, Match};
use crate::input::{self, Fields, Profile, ReadOptions};
use crate::policy::{InputType, Policy};

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Write a starting profile from a file's header: each input matched to a
    /// column by name (ignoring case, punctuation and group paths), by an
    /// Indonesian or English synonym (jumlah_art → members) or by spelling;
    /// what could not be matched is listed.
    #[command(
        after_help = "Examples:\n  layak profile init survey.csv -o survey.profile.toml\n  layak profile check survey.profile.toml survey.csv\n  layak assess survey.csv --profile survey.profile.toml"
    )]
    Init {
        /// The survey file (CSV, also compressed); its header and first rows are read.
        #[arg(value_name = "FILE")]
        file: String,
        /// Write the profile to PROFILE instead of standard output (refused if it exists).
        #[arg(long, short = 'o', value_name = "PROFILE")]
        output: Option<String>,
        /// Field delimiter: `,` `;` `|` `tab`; default: detected from the header.
        #[arg(long, short = 'd', value_name = "CHAR")]
        delimiter: Option<String>,
        #[command(flatten)]
        policy: PolicyArgs,
    },
    /// Load a profile and check it against the policy, and with FILE, against
    /// the file's header: which column feeds each input, which inputs have none.
    #[command(
        after_help = "Examples:\n  layak profile check examples/kobo-survey.profile.toml\n  layak profile check examples/kobo-survey.profile.toml examples/kobo-survey.csv"
    )]
    Check {
        /// The profile (TOML).
        #[arg(value_name = "PROFILE")]
        profile: String,
        /// A survey file to check the profile's columns against.
        #[arg(value_name = "FILE")]
        file: Option<String>,
        #[command(flatten)]
        policy: PolicyArgs,
    },
}

pub(super) fn run(cmd: ProfileCommand) -> anyhow::Result<ExitStatus> {
    match cmd {
        ProfileCommand::Init {
            file,
            output,
            delimiter,
            policy,
        } => init(&file, output.as_deref(), delimiter.as_deref(), &policy),
        ProfileCommand::Check {
            profile,
            file,
            policy,
        } => check_command(&profile, file.as_deref(), &policy),
    }
}

/// `layak profile check PROFILE [FILE]`.
fn check_command(
    path: &str,
    file: Option<&str>,
    policy: &PolicyArgs,
) -> anyhow::Result<ExitStatus> {
    let policy = policy.load()?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read profile {path}: {e}"))?;
    let mut err = io::stderr().lock();
    let profile = match Profile::load(path, &text) {
        Ok(p) => p,
        Err(e) => {
            write!(err, "{}", e.render()).ok();
            return Ok(ExitStatus::Fatal);
        }
    };
    if let Err(e) = profile.check(&policy) {
        write!(err, "{}", e.render()).ok();
        writeln!(err, "layak: {path} does not fit the policy").ok();
        return Ok(ExitStatus::Fatal);
    }
    let Some(file) = file else {
        writeln!(err, "layak: {path} fits the policy `{}`", policy.meta.id).ok();
        return Ok(ExitStatus::Success);
    };
    let read = ReadOptions {
        delimiter: profile.delimiter,
        id_columns: profile.id_columns.clone(),
        require_columns: profile.require_columns,
        profile: Some(Arc::new(profile)),
        ..ReadOptions::default()
    };
    let source = input::open(file, &read)?;
    let layout = super::common::layout_for(&policy, &source, &read)?;
    let mut out = String::new();
    writeln!(out, "input\tcolumn").ok();
    for (input, column) in policy.inputs.iter().zip(&layout.columns) {
        let shown = match column {
            Some(c) => input::excerpt(source.header[*c].as_bytes(), 60),
            None if input.name == policy.inputs[policy.fields.id_input].name
                && !layout.id_part_names.is_empty() =>
            {
                layout.id_part_names.join(" + ")
            }
            None => format!(
                "(none: every row takes {})",
                super::common::describe_default(&policy, input)
            ),
        };
        writeln!(out, "{}\t{shown}", input.name).ok();
    }
    io::stdout().lock().write_all(out.as_bytes())?;
    writeln!(
        err,
        "layak: {path} fits the policy and {file}: {} of {} inputs have a column",
        policy
            .watched_inputs()
            .saturating_sub(layout.defaulted.len()),
        policy.watched_inputs()
    )
    .ok();
    if !layout.unused.is_empty() {
        writeln!(
            err,
            "  columns not used: {}",
            input::list_names(&layout.unused)
        )
        .ok();
    }
    super::common::warn_if_most_missing(&policy, file, layout.defaulted.len());
    Ok(ExitStatus::Success)
}

/// Labels surveys use for the default policy's enum and yes/no values
/// (BPS questionnaires), compared ignoring case: a starting point for value
/// maps, which `init` writes for the labels it sees in the file.
const LABELS: &[(&str, &str)] = &[
    ("perkotaan", "urban"),
    ("kota", "urban"),
    ("perdesaan", "rural"),
    ("pedesaan", "rural"),
    ("desa", "rural"),
    ("tidak sekolah", "none"),
    ("tidak/belum sekolah", "none"),
    ("tidak tamat sd", "none"),
    ("belum tamat sd", "none"),
    ("sd", "primary"),
    ("sd/sederajat", "primary"),
    ("mi", "primary"),
    ("smp", "secondary"),
    ("smp/sederajat", "secondary"),
    ("sma", "secondary"),
    ("sma/sederajat", "secondary"),
    ("smk", "secondary"),
    ("diploma", "tertiary"),
    ("d3", "tertiary"),
    ("s1", "tertiary"),
    ("s2", "tertiary"),
    ("perguruan tinggi", "tertiary"),
    ("tanah", "earth"),
    ("bambu", "bamboo"),
    ("kayu", "wood"),
    ("papan", "wood"),
    ("semen", "cement"),
    ("plester", "cement"),
    ("keramik", "tile"),
    ("ubin", "tile"),
    ("ledeng", "piped"),
    ("air ledeng", "piped"),
    ("pam", "piped"),
    ("sumur terlindung", "protected_well"),
    ("sumur bor", "protected_well"),
    ("mata air terlindung", "protected_spring"),
    ("sumur tak terlindung", "unprotected_well"),
    ("mata air tak terlindung", "unprotected_spring"),
    ("air permukaan", "surface"),
    ("sungai", "surface"),
    ("air hujan", "rainwater"),
    ("air kemasan", "bottled"),
    ("air isi ulang", "bottled"),
    ("sendiri", "private"),
    ("milik sendiri", "private"),
    ("bersama", "shared"),
    ("umum", "shared"),
    ("tidak ada", "none"),
    ("listrik", "electricity"),
    ("elpiji", "gas"),
    ("lpg", "gas"),
    ("minyak tanah", "kerosene"),
    ("arang", "charcoal"),
    ("kayu bakar", "wood"),
    ("bencana", "disaster"),
    ("bencana alam", "disaster"),
    ("konflik", "conflict"),
    ("krisis ekonomi", "economic_crisis"),
    ("phk", "job_loss"),
    ("kehilangan pekerjaan", "job_loss"),
    ("sakit", "illness"),
    ("kematian", "death"),
    ("perempuan", "female"),
    ("laki-laki", "male"),
    ("ada", "true"),
    ("punya", "true"),
    ("tidak punya", "false"),
];

/// Cells that surveys write for "no answer"; `init` lists those it sees
/// under `missing` rather than as labels.
const MISSING_CODES: &[&str] = &["-", ".", "NA", "N/A", "n.a.", "#N/A", "null", "none"];

/// Rows `init` reads to collect labels and number formats.
const SCAN_ROWS: usize = 1000;
/// Distinct labels `init` lists per input.
const SCAN_LABELS: usize = 30;

/// What `init` saw in an input's column.
#[derive(Default)]
struct Seen {
    /// Missing-value codes seen (kept on the first input's entry).
    missing: Vec<String>,
    /// Distinct cells that are not labels of the input (enum and yes/no).
    labels: Vec<String>,
    /// Cells of a number input that do not read as plain numbers.
    odd_numbers: Vec<String>,
}

/// `layak profile init FILE [-o PROFILE]`.
fn init(
    file: &str,
    output: Option<&str>,
    delimiter: Option<&str>,
    policy: &PolicyArgs,
) -> anyhow::Result<ExitStatus> {
    let policy = policy.load()?;
    let delimiter = delimiter.map(super::config::parse_delimiter).transpose()?;
    if let Some(out) = output {
        if std::path::Path::new(out).exists() {
            return Err(UsageError(format!(
                "-o {out}: the file exists; remove it or choose another name (init never overwrites a profile)"
            ))
            .into());
        }
    }
    let read = ReadOptions {
        delimiter,
        ..ReadOptions::default()
    };
    let source = input::open(file, &read)?;
    let header = source.header.clone();
    let found_delimiter = source.delimiter;
    let matches = profile::match_columns(&policy, &header);
    let seen = scan(&policy, source, &matches)?;
    let text = write_profile(&policy, file, &header, found_delimiter, &matches, &seen);
    match output {
        Some(path) => {
            std::fs::write(path, &text).map_err(|e| anyhow::anyhow!("cannot write {path}: {e}"))?
        }
        None => io::stdout().lock().write_all(text.as_bytes())?,
    }
    let matched = matches.iter().flatten().count();
    // Inputs declared `warn_if_missing = false` count only when matched.
    let counted = policy
        .inputs
        .iter()
        .zip(&matches)
        .filter(|(i, m)| i.warn_if_missing || m.is_some())
        .count();
    let mut err = io::stderr().lock();
    writeln!(
        err,
        "layak: matched {matched} of {counted} inputs to columns of {file}{}",
        output.map(|o| format!("; wrote {o}")).unwrap_or_default()
    )
    .ok();
    let unmatched: Vec<&str> = policy
        .inputs
        .iter()
        .zip(&matches)
        .filter(|(i, m)| m.is_none() && i.warn_if_missing)
        .map(|(i, _)| i.name.as_str())
        .collect();
    if !unmatched.is_empty() {
        writeln!(
            err,
            "  no column found for: {}",
            input::list_names(&unmatched)
        )
        .ok();
    }
    let guessed: Vec<String> = policy
        .inputs
        .iter()
        .zip(&matches)
        .filter_map(|(i, m)| match m {
            Some((c, Match::Spelling)) => Some(format!("{} = {}", i.name, header[*c])),
            _ => None,
        })
        .collect();
    if !guessed.is_empty() {
        writeln!(
            err,
            "  guessed by spelling, check: {}",
            input::list_names(&guessed)
        )
        .ok();
    }
    Ok(ExitStatus::Success)
}

/// Read the first rows: the labels of enum and yes/no columns the policy
/// does not know, and number cells that are not plain numbers.
fn scan(
    policy: &Policy,
    source: input::Source,
    matches: &[Option<(usize, Match)>],
) -> anyhow::Result<Vec<Seen>> {
    let mut seen: Vec<Seen> = policy.inputs.iter().map(|_| Seen::default()).collect();
    let mut reader = input::flat::RecordReader::new(source, 1 << 16);
    let mut rows = 0;
    let mut missing: Vec<String> = Vec::new();
    while let Some(i) = reader.peek()? {
        let (_, record) = reader.records().get(i);
        for ((input, m), s) in policy.inputs.iter().zip(matches).zip(seen.iter_mut()) {
            let Some((c, _)) = m else { continue };
            let Some(cell) = record.get(*c).map(input::cell::trim) else {
                continue;
            };
            if cell.is_empty() || cell.len() > 60 {
                continue;
            }
            let text = String::from_utf8_lossy(cell).into_owned();
            let label = |ty: InputType| match ty {
                InputType::Enum(e) => policy.enums[usize::from(e)]
                    .values
                    .iter()
                    .any(|v| v.eq_ignore_ascii_case(&text)),
                _ => false,
            };
            if MISSING_CODES.iter().any(|m| m.eq_ignore_ascii_case(&text)) && !label(input.ty) {
                if !missing.contains(&text) {
                    missing.push(text);
                }
                continue;
            }
            let known = match input.ty {
                InputType::Enum(e) => policy.enums[usize::from(e)]
                    .values
                    .iter()
                    .any(|v| v.eq_ignore_ascii_case(&text)),
                InputType::Bool => input::cell::parse_bool(cell).is_ok(),
                InputType::Number | InputType::Money => {
                    if input::cell::parse_number(cell).is_err()
                        && s.odd_numbers.len() < 3
                        && !s.odd_numbers.contains(&text)
                    {
                        s.odd_numbers.push(text.clone());
                    }
                    true
                }
                _ => true,
            };
            if !known
                && s.labels.len() < SCAN_LABELS
                && !s.labels.iter().any(|l| l.eq_ignore_ascii_case(&text))
            {
                s.labels.push(text);
            }
        }
        reader.advance();
        rows += 1;
        if rows >= SCAN_ROWS {
            break;
        }
    }
    if let Some(first) = seen.first_mut() {
        first.missing = missing;
    }
    Ok(seen)
}

/// A TOML string.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TOML key: bare when it can be.
fn key(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        s.to_string()
    } else {
        quoted(s)
    }
}

/// The guess for a number format from cells that are not plain numbers.
fn guess_number(cells: &[String]) -> Option<&'static str> {
    let rp = cells
        .iter()
        .any(|c| c.to_ascii_lowercase().starts_with("rp"));
    let comma_decimal =
        cells.iter().any(|c| c.contains(',')) || cells.iter().any(|c| c.contains('.'));
    match (rp, comma_decimal) {
        (true, _) => Some("{ decimal = \",\", thousands = \".\", currency = \"Rp\" }"),
        (false, true) => Some("{ decimal = \",\", thousands = \".\" }"),
        _ => None,
    }
}

fn write_profile(
    policy: &Policy,
    file: &str,
    header: &[String],
    delimiter: u8,
    matches: &[Option<(usize, Match)>],
    seen: &[Seen],
) -> String {
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(
        w,
        "# layak mapping profile for {file}, written by `layak profile init`."
    );
    let _ = writeln!(
        w,
        "# Check it with `layak profile check PROFILE {file}`, use it with"
    );
    let _ = writeln!(
        w,
        "# `layak assess {file} --profile PROFILE`. Reference: examples/profiles.md."
    );
    let _ = writeln!(w);
    let d = match delimiter {
        b'\t' => "tab".to_string(),
        d => char::from(d).to_string(),
    };
    let _ = writeln!(w, "delimiter = {}", quoted(&d));
    let _ = writeln!(
        w,
        "# Stop before any row when an input has no column (instead of its default):"
    );
    let _ = writeln!(w, "# require_columns = true");
    let _ = writeln!(
        w,
        "# Cells that mean \"no answer\", for every input but the household id:"
    );
    match seen.first().map(|s| s.missing.as_slice()) {
        Some(codes) if !codes.is_empty() => {
            let codes: Vec<String> = codes.iter().map(|c| quoted(c)).collect();
            let _ = writeln!(w, "missing = [{}]", codes.join(", "));
        }
        _ => {
            let _ = writeln!(w, "# missing = [\".\", \"NA\"]");
        }
    }
    let _ = writeln!(w);
    let _ = writeln!(w, "# The file's column = the policy's input.");
    let _ = writeln!(w, "[columns]");
    for (input, m) in policy.inputs.iter().zip(matches) {
        let Some((c, how)) = m else { continue };
        let name = &header[*c];
        let why = match how {
            Match::Name if name.eq_ignore_ascii_case(&input.name) => continue,
            Match::Name => "same name",
            Match::Synonym => "synonym",
            Match::Spelling => "near spelling: check",
        };
        let _ = writeln!(w, "{} = {}   # {why}", quoted(name), quoted(&input.name));
    }
    let missing: Vec<String> = policy
        .inputs
        .iter()
        .zip(matches)
        .filter(|(_, m)| m.is_none())
        .map(|(i, _)| {
            format!(
                "{} ({})",
                i.name,
                if i.required {
                    "required".to_string()
                } else {
                    format!("default {}", super::common::describe_default(policy, i))
                }
            )
        })
        .collect();
    if !missing.is_empty() {
        let _ = writeln!(
            w,
            "# No column found (map one above, or each row takes the default):"
        );
        for m in &missing {
            let _ = writeln!(w, "#   {m}");
        }
    }
    let used: Vec<usize> = matches.iter().flatten().map(|(c, _)| *c).collect();
    let unused: Vec<&String> = header
        .iter()
        .enumerate()
        .filter(|(c, _)| !used.contains(c))
        .map(|(_, h)| h)
        .collect();
    if !unused.is_empty() {
        let _ = writeln!(w, "# Columns no input uses: {}", input::list_names(&unused));
    }
    for ((input, m), s) in policy.inputs.iter().zip(matches).zip(seen) {
        if m.is_none() {
            continue;
        }
        let labels: Option<&[String]> = match input.ty {
            InputType::Enum(e) => Some(&policy.enums[usize::from(e)].values),
            _ => None,
        };
        if !s.labels.is_empty() {
            let _ = writeln!(w);
            let _ = writeln!(w, "[inputs.{}.values]", key(&input.name));
            match labels {
                Some(l) => {
                    let _ = writeln!(w, "# the file's label = one of: {}", l.join(", "));
                }
                None => {
                    let _ = writeln!(w, "# the file's label = true or false");
                }
            }
            for label in &s.labels {
                let guess = LABELS
                    .iter()
                    .find(|(l, _)| l.eq_ignore_ascii_case(label))
                    .map(|(_, t)| *t)
                    .filter(|t| match labels {
                        Some(l) => l.iter().any(|v| v == t),
                        None => matches!(*t, "true" | "false"),
                    });
                match (guess, labels) {
                    (Some(t), Some(_)) => {
                        let _ = writeln!(w, "{} = {}", key(label), quoted(t));
                    }
                    (Some(t), None) => {
                        let _ = writeln!(w, "{} = {t}", key(label));
                    }
                    (None, _) => {
                        let _ = writeln!(w, "# {} = ?", key(label));
                    }
                }
            }
        }
        if !s.odd_numbers.is_empty() {
            let _ = writeln!(w);
            let _ = writeln!(w, "[inputs.{}]", key(&input.name));
            let cells: Vec<String> = s.odd_numbers.iter().map(|c| format!("`{c}`")).collect();
            let _ = writeln!(
                w,
                "# cells such as {} are not plain numbers",
                cells.join(", ")
            );
            match guess_number(&s.odd_numbers) {
                Some(g) => {
                    let _ = writeln!(w, "number = {g}");
                }
                None => {
                    let _ = writeln!(
                        w,
                        "# number = {{ decimal = \",\", thousands = \".\", currency = \"Rp\" }}"
                    );
                    let _ = writeln!(w, "# missing = [\"98\", \"99\"]");
                }
            }
        }
    }
    out
}
