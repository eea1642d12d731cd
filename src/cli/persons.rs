//! Person files on the command line (issue 18): `--persons FILE` and
//! `--rectangular`, for `assess`, `validate` and `explain`.

use std::io::{self, Write};

use anyhow::Context;

use super::UsageError;
use super::common::{hint_if_waiting_on_a_terminal, layout_for, warn_defaulted};
use super::{InputArgs, grouped};
use crate::input::{self, InputError, ReadOptions, RejectCode, Source};
use crate::pipeline::Totals;
use crate::pipeline::persons::PersonSetup;
use crate::policy::Policy;
use crate::policy::persons::Persons;
use crate::report::atomic::TempFile;
use crate::report::outputs::{self, Input, Output};

/// Which person layout the command line asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum PersonFiles {
    /// FILE is the household file; the persons are in this one.
    TwoFiles { persons: String },
    /// FILE is a rectangular person file.
    Rectangular,
}

impl PersonFiles {
    pub(super) fn from_args(path: &str, args: &InputArgs) -> Result<Option<Self>, UsageError> {
        match (&args.persons, args.rectangular) {
            (Some(p), _) => {
                if p == path && p == "-" {
                    return Err(UsageError(
                        "--persons -: standard input cannot be both the household file and the person file".into(),
                    ));
                }
                if p == path {
                    return Err(UsageError(format!(
                        "--persons {p}: the person file is the household file; for one file with a row per person use --rectangular"
                    )));
                }
                Ok(Some(PersonFiles::TwoFiles { persons: p.clone() }))
            }
            (None, true) => Ok(Some(PersonFiles::Rectangular)),
            (None, false) => Ok(None),
        }
    }
}

/// Outputs must not overwrite the person file (`--persons FILE`) either:
/// checked as the main input is, before anything is created or read.
pub(super) fn check_outputs(
    persons: Option<&str>,
    outputs: &[Output<'_>],
) -> Result<(), UsageError> {
    let Some(path) = persons else {
        return Ok(());
    };
    let input = match path {
        "-" => Input::Stdin,
        p => Input::File(p),
    };
    outputs::check(input, outputs).map_err(|e| {
        // "... is the input file": say which one.
        UsageError(
            e.to_string()
                .replace(" is the input file:", " is the person file (--persons):"),
        )
    })
}

/// The person files, open and mapped to the policy.
pub(super) struct OpenedPersons {
    pub(super) setup: PersonSetup,
    /// Sizes of the files, for the summary.
    pub(super) bytes: u64,
    /// A copy of standard input (read more than once), removed when dropped.
    _stdin: Option<TempFile>,
}

/// The policy's person side, or a usage error saying it has none.
pub(super) fn persons_of(policy: &Policy) -> anyhow::Result<&Persons> {
    policy.persons.as_ref().ok_or_else(|| {
        anyhow::Error::from(UsageError(
            "--persons/--rectangular: the policy declares no person inputs ([[person_inputs]] with `from_persons` reducers); see data/policies/default.toml"
                .into(),
        ))
    })
}

/// Open the files of a person layout, copying standard input aside first
/// (the files are read more than once), and map them to the policy.
pub(super) fn open(
    policy: &Policy,
    (path, read): (&str, &ReadOptions),
    files: &PersonFiles,
    warn: bool,
) -> anyhow::Result<OpenedPersons> {
    let persons = persons_of(policy)?;
    let (household_path, person_path) = match files {
        PersonFiles::TwoFiles { persons } => (Some(path), persons.as_str()),
        PersonFiles::Rectangular => (None, path),
    };
    let mut stdin = None;
    let mut real = |path: &str| -> anyhow::Result<(String, String)> {
        if path != "-" {
            return Ok((path.to_string(), path.to_string()));
        }
        hint_if_waiting_on_a_terminal(path);
        let copy = copy_stdin().context("cannot copy standard input to a temporary file")?;
        let real = copy.path().display().to_string();
        stdin = Some(copy);
        Ok((real, "<stdin>".to_string()))
    };
    let household = household_path.map(&mut real).transpose()?;
    let person = real(person_path)?;
    let open = |(path, name): &(String, String)| -> Result<Source, InputError> {
        let mut s = input::open(path, read)?;
        s.name = name.clone();
        Ok(s)
    };
    let household_source = household.as_ref().map(open).transpose()?;
    let person_source = open(&person)?;
    let with_profile = profile_renames(
        policy,
        persons,
        household_source.as_ref().unwrap_or(&person_source),
        &person_source,
        read,
    );
    let read = &with_profile;
    let setup = PersonSetup::new(
        policy,
        persons,
        household_source
            .as_ref()
            .zip(household.as_ref())
            .map(|(s, (p, _))| (s, p.as_str())),
        (&person_source, &person.0),
        read,
    );
    let mut setup = match setup {
        Ok(s) => s,
        // A --rename or a missing column: reported as for a household file.
        Err(InputError::Rename { .. }) | Err(InputError::MissingColumn { .. }) => {
            let source = household_source.as_ref().unwrap_or(&person_source);
            layout_for(policy, source, read)?;
            layout_for(&persons.schema, &person_source, read)?;
            anyhow::bail!("cannot read the person files")
        }
        Err(e) => return Err(e.into()),
    };
    setup.household_name = household_source
        .as_ref()
        .map_or(person_source.name.clone(), |s| s.name.clone());
    setup.person_name = person_source.name.clone();
    if warn {
        let base = household_source.as_ref().unwrap_or(&person_source);
        warn_setup(policy, persons, base, &person_source, &setup);
    }
    let size = |p: &str| std::fs::metadata(p).map_or(0, |m| m.len());
    let bytes = household.as_ref().map_or(0, |(p, _)| size(p)) + size(&person.0);
    Ok(OpenedPersons {
        setup,
        bytes,
        _stdin: stdin,
    })
}

/// `read` with the profile's renames of both files' headers written out as
/// renames after the command line's, so that the person layout places the
/// household columns a profile maps (a column that the persons override
/// included) as it places those a `--rename` maps.
fn profile_renames(
    policy: &Policy,
    persons: &Persons,
    households: &Source,
    person_source: &Source,
    read: &ReadOptions,
) -> ReadOptions {
    let Some(profile) = &read.profile else {
        return read.clone();
    };
    let mut renames = read.renames.clone();
    for (p, header) in [
        (policy, &households.header),
        (&*persons.schema, &person_source.header),
    ] {
        let taken = |from: &str, to: &str| {
            renames
                .iter()
                .any(|(f, t)| f.eq_ignore_ascii_case(from) || t.eq_ignore_ascii_case(to))
        };
        let more = profile.renames_for(p, header, &taken);
        renames.extend(more);
    }
    ReadOptions {
        renames,
        ..read.clone()
    }
}

/// Warn about the household columns that the persons override and the
/// inputs of either file that take their default.
fn warn_setup(
    policy: &Policy,
    persons: &Persons,
    base: &Source,
    person_source: &Source,
    setup: &PersonSetup,
) {
    if !setup.overridden.is_empty() {
        writeln!(
            io::stderr().lock(),
            "warning: {}: {} computed from the persons; the file's {} ignored",
            base.name,
            backticked(&setup.overridden),
            if setup.overridden.len() == 1 {
                "column is"
            } else {
                "columns are"
            }
        )
        .ok();
    }
    warn_defaulted(policy, base, &setup.household_layout);
    warn_defaulted(&persons.schema, person_source, &setup.person_layout);
}

fn backticked(names: &[String]) -> String {
    let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    let list = input::list_names(&names);
    if names.len() == 1 {
        format!("{list} is")
    } else {
        format!("{list} are")
    }
}

/// Copy standard input to a private temporary file (removed when dropped
/// and on SIGINT/SIGTERM).
fn copy_stdin() -> io::Result<TempFile> {
    let pid = std::process::id();
    let (temp, mut file) = TempFile::create_in(&std::env::temp_dir(), |attempt| {
        format!("layak-stdin-{pid}-{attempt}.csv")
    })?;
    io::copy(&mut io::stdin().lock(), &mut file)?;
    file.sync_all()?;
    Ok(temp)
}

/// The closing line of a person run: `P persons read = U used + R rejected;
/// H households = D decided + X rejected`, the rejects by reason, blank rows.
pub(super) fn closing_line(totals: &Totals) -> String {
    let p = &totals.persons;
    let mut line = format!(
        "{} persons read = {} used + {} rejected; {} households = {} decided + {} rejected",
        grouped(p.read),
        grouped(p.used),
        grouped(p.rejected),
        grouped(totals.read),
        grouped(totals.decided),
        grouped(totals.rejected)
    );
    let mut sep = ": ";
    for (code, n) in RejectCode::ALL.iter().zip(totals.rejects_by_code) {
        let n = if *code == RejectCode::PersonWithoutHousehold {
            n + p.without_household
        } else {
            n
        };
        if n > 0 {
            line.push_str(&format!("{sep}{code} {}", grouped(n)));
            sep = ", ";
        }
    }
    if totals.skipped > 0 {
        line.push_str(&format!(
            "; {} skipped",
            super::counted(totals.skipped, "blank row", "blank rows")
        ));
    }
    line
}
