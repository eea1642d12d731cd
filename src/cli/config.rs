//! Checked configuration: the clap structs of [`super`] (what the user typed)
//! turned into the values a command runs with, every usage error (exit 2)
//! raised here before the policy or any row is read. The split follows
//! ripgrep's low-level arguments → high-level arguments: a command's `run`
//! starts from one of these and never looks at its clap struct again.
//!
//! What needs the policy or the file's header (`--persons-column`, `--by`,
//! a `--rename` naming no input) is checked by the command once it has them.

use std::io::{self, IsTerminal, Write};

use super::{
    AssessArgs, ExplainArgs, ExplainFormat, FormatArg, InputArgs, PolicyArgs, ReasonsArg,
    UsageError, ValidateArgs, ValidateFormat,
};
use crate::input::{self, ReadOptions};
use crate::pipeline;
#[cfg(test)]
use crate::policy::Lang;
use crate::policy::LangChoice;
use crate::report::compress::{self, Holds, TableFormat};
use crate::report::outputs::{self, Destination, Output};
use crate::report::{Format, ReasonsMode};

/// The household file and how to read it.
pub(super) struct InputConfig {
    /// As typed; `-` is standard input.
    pub path: String,
    pub read: ReadOptions,
    /// `--persons FILE` or `--rectangular` (issue 18).
    pub persons: Option<super::persons::PersonFiles>,
}

impl InputConfig {
    /// The file (`-` or nothing: standard input) and its read options.
    pub(super) fn new(file: Option<String>, args: &InputArgs) -> Result<InputConfig, UsageError> {
        let path = file.unwrap_or_else(|| "-".into());
        let persons = super::persons::PersonFiles::from_args(&path, args)?;
        Ok(InputConfig {
            path,
            read: read_options(args)?,
            persons,
        })
    }
}

/// `layak assess`, checked.
pub(super) struct AssessConfig {
    pub input: InputConfig,
    pub policy: PolicyArgs,
    /// `--lang` and the environment's language.
    pub lang: LangChoice,
    /// The decisions' text format (CSV under a table, `--excel` included).
    pub format: Format,
    /// Parquet, xlsx or `--excel`: a table written from that CSV.
    pub table: Option<Table>,
    /// `--columns` as typed (resolved once the policy is loaded) and `--reasons`.
    pub columns: Option<String>,
    pub reasons: ReasonsMode,
    pub outputs: OutputPlan,
    /// `--budget`, in whole currency units a month.
    pub budget: Option<u64>,
    /// `--rank-within`, as typed (resolved once the policy is loaded).
    pub rank_within: Option<String>,
    /// `--overrides FILE` (read once the policy is loaded).
    pub overrides: Option<String>,
    pub summary: SummaryConfig,
    pub threads: Threads,
    pub pipeline: pipeline::Options,
    pub quiet: bool,
}

/// What shapes the summary; `--by` and `--persons-column` are resolved once
/// the policy and the header are known.
pub(super) struct SummaryConfig {
    pub by: Option<String>,
    pub max_groups: Option<usize>,
    pub persons_column: Option<String>,
    /// Poverty measures count persons (not `--unweighted`).
    pub weighted: bool,
    /// The short summary on standard error: `--summary -`, or standard error
    /// is a terminal and not `--quiet`.
    pub human: bool,
    /// `--summary` was given (a file or `-`): an xlsx output gets a summary sheet.
    pub asked: bool,
}

impl AssessConfig {
    /// Check what the user typed, in the order the checks have always run
    /// (the first usage error found is the one reported).
    pub(super) fn from_args(args: AssessArgs) -> Result<AssessConfig, UsageError> {
        let input_path = args.file.clone().unwrap_or_else(|| "-".into());
        let outputs = OutputPlan::new(&args, &input_path)?;
        let format = output_format(&args);
        let input = InputConfig::new(args.file, &args.input)?;
        let (format, table) = format?;
        let budget = args.budget.as_deref().map(parse_budget).transpose()?;
        args.policy.check()?;
        let human =
            args.summary.as_deref() == Some("-") || (io::stderr().is_terminal() && !args.quiet);
        let threads = Threads::resolve(args.threads);
        let pipeline = pipeline::Options {
            threads: threads.count,
            strict: args.strict,
            chunk_bytes: args.chunk_bytes.map_or_else(
                || pipeline::default_chunk_bytes(threads.count),
                |b| b as usize,
            ),
            all_errors: false,
            progress: None,
            deciles: None,
            overrides: None,
        };
        Ok(AssessConfig {
            overrides: args.overrides,
            input,
            policy: args.policy,
            lang: args.lang.choice(),
            format,
            table,
            columns: args.columns,
            reasons: match args.reasons {
                None | Some(ReasonsArg::Text) => ReasonsMode::Text,
                Some(ReasonsArg::Codes) => ReasonsMode::Codes,
                Some(ReasonsArg::None) => ReasonsMode::None,
            },
            outputs,
            budget,
            rank_within: args.rank_within,
            summary: SummaryConfig {
                by: args.by,
                max_groups: args.max_groups.map(|n| n as usize),
                persons_column: args.persons_column,
                weighted: !args.unweighted,
                human,
                asked: args.summary.is_some(),
            },
            threads,
            pipeline,
            quiet: args.quiet,
        })
    }

    /// Is a summary computed: for a file, or for standard error?
    pub(super) fn wants_summary(&self) -> bool {
        self.summary.human || self.outputs.summary.is_some() || self.outputs.report.is_some()
    }
}

/// Decisions written as a table from their CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Table {
    Parquet,
    Xlsx,
    /// `--excel`: CSV for a spreadsheet in an Indonesian locale.
    Excel,
}

/// The decisions' format: `--format`, else the `-o` extension (before any
/// `.gz`/`.zst`, checked by `OutputPlan::new`), else CSV; and the table
/// written from CSV, if any.
fn output_format(args: &AssessArgs) -> Result<(Format, Option<Table>), UsageError> {
    let named = args
        .output
        .as_deref()
        .and_then(|p| compress::check_name(p, Holds::Decisions).ok());
    if let (Some(given), Some(name)) = (args.format, named) {
        let table_given = matches!(given, FormatArg::Parquet | FormatArg::Xlsx);
        let same = match name.table {
            Some(TableFormat::Parquet) => given == FormatArg::Parquet,
            Some(TableFormat::Xlsx) => given == FormatArg::Xlsx,
            None => !table_given || name.format.is_none(),
        };
        if !same {
            let path = args.output.as_deref().unwrap_or_default();
            return Err(UsageError(format!(
                "-o {path} and --format {} disagree: name the file for its format, or leave out --format",
                format!("{given:?}").to_lowercase()
            )));
        }
    }
    let (format, table) = match (args.format, named) {
        (Some(FormatArg::Csv), _) => (Format::Csv, None),
        (Some(FormatArg::Json), _) => (Format::Json, None),
        (Some(FormatArg::Ndjson), _) => (Format::Ndjson, None),
        (Some(FormatArg::Parquet), _) => (Format::Csv, Some(Table::Parquet)),
        (Some(FormatArg::Xlsx), _) => (Format::Csv, Some(Table::Xlsx)),
        (Some(FormatArg::Arrow), _) => {
            return Err(UsageError(
                "--format arrow is written in stage mode only: add --stage (see `layak assess --help`)".into(),
            ));
        }
        (None, Some(name)) => match name.table {
            Some(TableFormat::Parquet) => (Format::Csv, Some(Table::Parquet)),
            Some(TableFormat::Xlsx) => (Format::Csv, Some(Table::Xlsx)),
            None => (name.format.unwrap_or(Format::Csv), None),
        },
        (None, None) => (Format::Csv, None),
    };
    if args.excel {
        return match (format, table) {
            (Format::Csv, None) => Ok((Format::Csv, Some(Table::Excel))),
            _ => Err(UsageError(
                "--excel writes CSV for a spreadsheet; it does not go with JSON, NDJSON, Parquet or xlsx output".into(),
            )),
        };
    }
    let binary = matches!(table, Some(Table::Parquet | Table::Xlsx));
    let to_stdout = matches!(args.output.as_deref(), None | Some("-"));
    if binary && to_stdout && io::stdout().is_terminal() {
        return Err(UsageError(
            "Parquet and xlsx are binary: give a file (-o decisions.parquet) or redirect standard output".into(),
        ));
    }
    Ok((format, table))
}

/// Where one output of `assess` goes, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Target {
    Stdout,
    File(String),
}

impl Target {
    pub(super) fn destination(&self) -> Destination<'_> {
        match self {
            Target::Stdout => Destination::Stdout,
            Target::File(p) => Destination::File(p),
        }
    }
}

/// Where each output of `assess` goes, as typed and checked.
pub(super) struct OutputPlan {
    pub decisions: Target,
    /// `None`: the first rejects are listed on standard error.
    pub rejects: Option<Target>,
    /// A JSON summary file (`--summary -` is the human summary on standard error).
    pub summary: Option<String>,
    /// The HTML report (`--report`).
    pub report: Option<String>,
}

impl OutputPlan {
    /// Give `-` its meaning for each output flag, and check every output path
    /// against the others, the input and standard output before anything is
    /// created or read. `-o -` and `--rejects -` are standard output (only one of
    /// them may have it); `--summary -` is the short summary on standard error.
    fn new(args: &AssessArgs, input_path: &str) -> Result<OutputPlan, UsageError> {
        // Options that only shape the summary say so, rather than clap's usage line.
        if args.summary.is_none() && args.report.is_none() {
            let summary_only = [
                ("--by", args.by.is_some()),
                ("--unweighted", args.unweighted),
                ("--persons-column", args.persons_column.is_some()),
            ];
            if let Some((flag, _)) = summary_only.iter().find(|(_, given)| *given) {
                return Err(UsageError(format!(
                    "{flag} needs --summary: it shapes the summary (--summary FILE for JSON, --summary - for a short one on standard error)"
                )));
            }
        }
        let decisions = match args.output.as_deref() {
            None | Some("-") => Target::Stdout,
            Some(p) => Target::File(p.to_string()),
        };
        let rejects = match args.rejects.as_deref() {
            None => None,
            Some("-") if decisions == Target::Stdout => {
                return Err(UsageError(
                    "--rejects -: standard output already carries the decisions; give the rejects a file (--rejects rejects.csv) or the decisions one (-o decisions.csv)".into(),
                ));
            }
            Some("-") => Some(Target::Stdout),
            Some(p) => Some(Target::File(p.to_string())),
        };
        let summary = args.summary.clone().filter(|s| s != "-");
        let report = match args.report.as_deref() {
            None => None,
            Some("-") => {
                return Err(UsageError(
                    "--report -: the report is a file; give its name, e.g. --report report.html"
                        .into(),
                ));
            }
            Some(p) => Some(p.to_string()),
        };
        let plan = OutputPlan {
            decisions,
            rejects,
            summary,
            report,
        };
        let mut outputs = vec![Output {
            flag: "-o",
            holds: "the decisions",
            destination: plan.decisions.destination(),
        }];
        if let Some(rejects) = &plan.rejects {
            outputs.push(Output {
                flag: "--rejects",
                holds: "the rejects",
                destination: rejects.destination(),
            });
        }
        if let Some(p) = &plan.summary {
            outputs.push(Output {
                flag: "--summary",
                holds: "the summary",
                destination: Destination::File(p),
            });
        }
        if let Some(p) = &plan.report {
            outputs.push(Output {
                flag: "--report",
                holds: "the report",
                destination: Destination::File(p),
            });
        }
        outputs::check(input_of(input_path), &outputs).map_err(|e| UsageError(e.to_string()))?;
        super::persons::check_outputs(args.input.persons.as_deref(), &outputs)?;
        let named = [
            ("-o", Some(&plan.decisions), Holds::Decisions),
            ("--rejects", plan.rejects.as_ref(), Holds::Rejects),
        ];
        for (flag, target, holds) in named {
            if let Some(Target::File(p)) = target {
                check_output_name(flag, p, holds)?;
            }
        }
        if let Some(p) = &plan.summary {
            check_output_name("--summary", p, Holds::Summary)?;
        }
        if let Some(p) = &plan.report {
            check_report_name(p)?;
        }
        Ok(plan)
    }

    /// The outputs written as files, as the user typed them (`--rejects r.csv`).
    pub(super) fn files(&self) -> Vec<String> {
        let mut files = Vec::new();
        if let Target::File(p) = &self.decisions {
            files.push(format!("-o {p}"));
        }
        if let Some(Target::File(p)) = &self.rejects {
            files.push(format!("--rejects {p}"));
        }
        if let Some(p) = &self.summary {
            files.push(format!("--summary {p}"));
        }
        if let Some(p) = &self.report {
            files.push(format!("--report {p}"));
        }
        files
    }
}

/// An output file name that asks for a format layak does not write (or not
/// for this output) is a usage error, never a file whose content does not
/// match its name (see [`compress::check_name`]).
fn check_output_name(flag: &str, path: &str, holds: Holds) -> Result<(), UsageError> {
    compress::check_name(path, holds)
        .map(|_| ())
        .map_err(|e| UsageError(format!("{flag} {e}")))
}

/// The report is HTML: a name with another extension (`report.pdf`,
/// `report.json`, `report.html.gz`) would promise what the file is not.
fn check_report_name(path: &str) -> Result<(), UsageError> {
    let ext = std::path::Path::new(path)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        None | Some("html" | "htm") => Ok(()),
        Some(ext) => Err(UsageError(format!(
            "--report {path}: the report is written as HTML, not .{ext}; name the file .html (a browser prints it to PDF)"
        ))),
    }
}

/// The input, as the output checks see it.
fn input_of(path: &str) -> outputs::Input<'_> {
    match path {
        "-" => outputs::Input::Stdin,
        p => outputs::Input::File(p),
    }
}

/// `layak validate`, checked.
pub(super) struct ValidateConfig {
    pub input: InputConfig,
    pub policy: PolicyArgs,
    /// `--lang` and the environment's language.
    pub lang: LangChoice,
    pub format: ValidateFormat,
    /// The rejects file (never standard output, which carries the report).
    pub rejects: Option<String>,
    /// How many line numbers to list per reason and per column.
    pub examples: usize,
    pub threads: Threads,
    pub pipeline: pipeline::Options,
}

impl ValidateConfig {
    pub(super) fn from_args(args: ValidateArgs) -> Result<ValidateConfig, UsageError> {
        let input = InputConfig::new(args.file, &args.input)?;
        check_validate_rejects(
            args.rejects.as_deref(),
            &input.path,
            args.input.persons.as_deref(),
        )?;
        args.policy.check()?;
        let threads = Threads::resolve(args.threads);
        let pipeline = pipeline::Options {
            threads: threads.count,
            chunk_bytes: pipeline::default_chunk_bytes(threads.count),
            strict: false,
            all_errors: !args.first_error,
            progress: None,
            deciles: None,
            overrides: None,
        };
        Ok(ValidateConfig {
            input,
            policy: args.policy,
            lang: args.lang.choice(),
            format: args.format,
            rejects: args.rejects,
            examples: args.examples,
            threads,
            pipeline,
        })
    }
}

/// `--rejects` against the input and standard output, which always carries
/// the report (so `--rejects -` has nowhere to go).
fn check_validate_rejects(
    rejects: Option<&str>,
    input_path: &str,
    persons: Option<&str>,
) -> Result<(), UsageError> {
    let Some(rejects) = rejects else {
        return Ok(());
    };
    if rejects == "-" {
        return Err(UsageError(
            "--rejects -: standard output carries the validation report; give the rejects a file (--rejects rejects.csv)".into(),
        ));
    }
    let report = Output {
        flag: "validate",
        holds: "the validation report",
        destination: Destination::Stdout,
    };
    let rejects_path = rejects;
    let rejects = Output {
        flag: "--rejects",
        holds: "the rejects",
        destination: Destination::File(rejects),
    };
    outputs::check(input_of(input_path), &[report, rejects])
        .map_err(|e| UsageError(e.to_string()))?;
    super::persons::check_outputs(persons, &[report, rejects])?;
    check_output_name("--rejects", rejects_path, Holds::Rejects)?;
    match compress::check_name(rejects_path, Holds::Rejects) {
        Ok(name) if name.table.is_some() => Err(UsageError(format!(
            "--rejects {rejects_path}: layak validate writes the rejects as CSV; name the file .csv (or .csv.gz, .csv.zst)"
        ))),
        _ => Ok(()),
    }
}

/// `layak explain`, checked.
pub(super) struct ExplainConfig {
    pub input: InputConfig,
    pub policy: PolicyArgs,
    /// `--detail`: the full trace rather than the family view.
    pub detail: bool,
    /// `--lang` and the environment's language.
    pub lang: LangChoice,
    pub format: ExplainFormat,
    pub household: Household,
    /// `--rank-within`: the input whose values rank households separately.
    pub rank_within: Option<String>,
}

/// Which household to explain.
pub(super) enum Household {
    Id(String),
    /// The line on which its row starts.
    Line(u64),
}

impl ExplainConfig {
    pub(super) fn from_args(args: ExplainArgs) -> Result<ExplainConfig, UsageError> {
        let input = InputConfig::new(Some(args.file), &args.input)?;
        // clap lets only one of the two through.
        let household = match (args.id, args.line) {
            (_, Some(line)) => Household::Line(line),
            (Some(id), None) => Household::Id(id),
            (None, None) => {
                return Err(UsageError(
                    "give the household with --id ID or --line N".into(),
                ));
            }
        };
        args.policy.check()?;
        Ok(ExplainConfig {
            input,
            policy: args.policy,
            detail: args.detail,
            lang: args.lang.choice(),
            format: args.format,
            household,
            rank_within: args.rank_within,
        })
    }
}

/// `5000000` or `5_000_000`: whole currency units.
fn parse_budget(s: &str) -> Result<u64, UsageError> {
    let digits: String = s.trim().chars().filter(|&c| c != '_').collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(UsageError(format!(
            "--budget {s:?}: expected a monthly amount in whole currency units, digits only (`_` may group them), e.g. 5000000 or 5_000_000"
        )));
    }
    digits
        .parse()
        .map_err(|_| UsageError(format!("--budget {s}: too large")))
}

/// Delimiter and renames as typed, checked before any row is read.
pub(super) fn read_options(args: &InputArgs) -> Result<ReadOptions, UsageError> {
    let delimiter = args.delimiter.as_deref().map(parse_delimiter).transpose()?;
    let renames = args
        .rename
        .iter()
        .map(|r| {
            input::parse_rename(r).map_err(|e| UsageError(super::error_text::input_error_text(&e)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let weight = args
        .weight
        .as_ref()
        .map(|column| weight_spec(column, args.weight_scale.as_deref()))
        .transpose()?;
    let profile = args.profile.as_deref().map(load_profile).transpose()?;
    let profile_ref = profile.as_deref();
    Ok(ReadOptions {
        delimiter: delimiter.or(profile_ref.and_then(|p| p.delimiter)),
        renames,
        weight,
        require_columns: args.require_columns || profile_ref.is_some_and(|p| p.require_columns),
        max_field_bytes: args
            .max_field_bytes
            .map_or(input::DEFAULT_MAX_FIELD_BYTES, |n| {
                usize::try_from(n).unwrap_or(usize::MAX)
            }),
        id_columns: args
            .id_columns
            .as_deref()
            .map(parse_id_columns)
            .transpose()?
            .or_else(|| profile_ref.map(|p| p.id_columns.clone()))
            .unwrap_or_default(),
        sheet: args.sheet.clone(),
        profile,
    })
}

/// `--profile FILE`, read and loaded (checked against the policy later).
fn load_profile(path: &str) -> Result<std::sync::Arc<input::Profile>, UsageError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| UsageError(format!("--profile {path}: cannot read it: {e}")))?;
    input::Profile::load(path, &text)
        .map(std::sync::Arc::new)
        .map_err(|e| super::common::profile_usage(&e.render()))
}

/// `--id-columns A,B[,C…]` as typed: names separated by commas, each trimmed;
/// an empty name or a column named twice is a usage error. (Whether the
/// file has them is known once its header is read.)
fn parse_id_columns(spec: &str) -> Result<Vec<String>, UsageError> {
    let names: Vec<String> = spec.split(',').map(|n| n.trim().to_string()).collect();
    if names.iter().any(String::is_empty) {
        return Err(UsageError(format!(
            "--id-columns {spec:?}: expected column names separated by commas, e.g. --id-columns YEAR,SERIAL"
        )));
    }
    for (i, name) in names.iter().enumerate() {
        if names[..i]
            .iter()
            .any(|n| n.to_lowercase() == name.to_lowercase())
        {
            return Err(UsageError(format!(
                "--id-columns {spec}: column `{name}` is named twice"
            )));
        }
    }
    Ok(names)
}

/// `--weight COLUMN` and `--weight-scale FACTOR` as typed (the column is
/// looked up in the header later).
fn weight_spec(column: &str, scale: Option<&str>) -> Result<input::WeightSpec, UsageError> {
    if column.trim().is_empty() {
        return Err(UsageError(
            "--weight '': expected the name of the column holding the survey weights".into(),
        ));
    }
    let scale = match scale {
        Some(s) => {
            input::Scale::parse(s).map_err(|e| UsageError(format!("--weight-scale {s:?}: {e}")))?
        }
        None => input::Scale::ONE,
    };
    Ok(input::WeightSpec {
        column: column.trim().to_string(),
        scale,
    })
}

/// `--delimiter` as typed: one ASCII character, or `tab`.
pub(super) fn parse_delimiter(s: &str) -> Result<u8, UsageError> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() && !matches!(s, "\"" | "\n" | "\r") => {
            Ok(s.as_bytes()[0])
        }
        _ => Err(UsageError(format!(
            "--delimiter {s:?}: expected one ASCII character such as `,` `;` `|`, or `tab`"
        ))),
    }
}

/// At most this many worker threads per core: more add only memory (a stack
/// and a chunk in flight each) and contention, never speed.
const MAX_THREADS_PER_CORE: usize = 4;

/// The worker threads for `--threads`: every core by default; a request above
/// [`MAX_THREADS_PER_CORE`] per core is lowered (the output is the same for
/// any count, so only speed and memory could differ).
pub(super) struct Threads {
    pub count: usize,
    /// The count asked for and the cores here, when it was lowered.
    lowered: Option<(usize, usize)>,
}

impl Threads {
    pub(super) fn resolve(requested: Option<u16>) -> Threads {
        let cores = pipeline::default_threads();
        let most = cores.saturating_mul(MAX_THREADS_PER_CORE);
        match requested.map(usize::from) {
            None => Threads {
                count: cores,
                lowered: None,
            },
            Some(n) if n > most => Threads {
                count: most,
                lowered: Some((n, cores)),
            },
            Some(n) => Threads {
                count: n,
                lowered: None,
            },
        }
    }

    /// Say so when `--threads` was lowered. The commands call this after the
    /// warnings about the file's header, where it has always been printed.
    pub(super) fn warn_if_lowered(&self) {
        if let Some((asked, cores)) = self.lowered {
            writeln!(
                io::stderr().lock(),
                "warning: --threads {asked} is more than {MAX_THREADS_PER_CORE} per core; using {} ({cores} {} here)",
                self.count,
                if cores == 1 { "core" } else { "cores" }
            )
            .ok();
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn command(args: &[&str]) -> Command {
        let line = ["layak"].iter().chain(args);
        match Cli::try_parse_from(line) {
            Ok(cli) => cli.command,
            Err(e) => panic!("{args:?} does not parse: {e}"),
        }
    }

    fn assess(args: &[&str]) -> Result<AssessConfig, UsageError> {
        let mut line = vec!["assess"];
        line.extend_from_slice(args);
        match command(&line) {
            Command::Assess(a) => AssessConfig::from_args(a),
            _ => unreachable!("an assess command line"),
        }
    }

    fn error(result: Result<AssessConfig, UsageError>) -> String {
        match result {
            Ok(_) => panic!("expected a usage error"),
            Err(e) => e.0,
        }
    }

    #[test]
    fn the_format_follows_the_output_extension_unless_given() {
        assert_eq!(
            assess(&["in.csv"]).map(|c| c.format).ok(),
            Some(Format::Csv)
        );
        let json = assess(&["in.csv", "-o", "out.json"]).map(|c| c.format);
        assert_eq!(json.ok(), Some(Format::Json));
        let given = assess(&["in.csv", "-o", "out.json", "-f", "ndjson"]).map(|c| c.format);
        assert_eq!(given.ok(), Some(Format::Ndjson));
    }

    #[test]
    fn dash_means_standard_output_or_the_short_summary() {
        let config = assess(&["-o", "d.csv", "--rejects", "-", "--summary", "-"]);
        let Ok(config) = config else {
            panic!("a valid command line")
        };
        assert_eq!(config.input.path, "-");
        assert_eq!(config.outputs.decisions, Target::File("d.csv".into()));
        assert_eq!(config.outputs.rejects, Some(Target::Stdout));
        assert_eq!(config.outputs.summary, None);
        assert!(config.summary.human && config.wants_summary());
        assert_eq!(config.outputs.files(), ["-o d.csv"]);
    }

    #[test]
    fn usage_errors_come_before_any_file_is_read() {
        assert!(error(assess(&["--rejects", "-"])).starts_with("--rejects -: standard output"));
        assert!(error(assess(&["--by", "region"])).starts_with("--by needs --summary"));
        assert!(error(assess(&["--budget", "5x"])).starts_with("--budget \"5x\""));
        assert!(error(assess(&["--as-of", "2020-13-01"])).starts_with("--as-of 2020-13-01"));
        // The output plan is checked first, as it always was.
        let both = error(assess(&["--rejects", "-", "-d", "xx"]));
        assert!(both.starts_with("--rejects -"), "{both}");
    }

    #[test]
    fn the_report_has_a_language_and_an_html_name() {
        let config = assess(&[
            "in.csv", "--report", "r.html", "--lang", "id", "--by", "area",
        ]);
        let Ok(config) = config else {
            panic!("a valid command line")
        };
        assert_eq!(config.outputs.report, Some("r.html".into()));
        assert_eq!(config.lang.requested, Some(Lang::Id));
        assert!(config.wants_summary());
        assert_eq!(config.outputs.files(), ["--report r.html"]);
        let en = assess(&["in.csv", "--report", "R.HTM", "--lang", "en"]);
        let en = en.map(|c| (c.outputs.report, c.lang.requested));
        assert_eq!(en.ok(), Some((Some("R.HTM".into()), Some(Lang::En))));
        assert!(error(assess(&["in.csv", "--report", "r.pdf"])).contains("name the file .html"));
        assert!(error(assess(&["in.csv", "--report", "-"])).starts_with("--report -:"));
        assert!(error(assess(&["in.csv", "--lang", "id", "--by", "x"])).starts_with("--by needs"));
    }

    #[test]
    fn budget_takes_whole_units_with_underscores() {
        let budget = assess(&["--budget", "5_000_000"]).map(|c| c.budget);
        assert_eq!(budget.ok(), Some(Some(5_000_000)));
        assert!(error(assess(&["--budget", "99999999999999999999999"])).ends_with("too large"));
    }

    #[test]
    fn threads_within_the_cap_are_kept() {
        let Ok(config) = assess(&["-j", "1"]) else {
            panic!("a valid command line")
        };
        assert_eq!((config.threads.count, config.pipeline.threads), (1, 1));
        assert!(config.threads.lowered.is_none());
        let many = Threads::resolve(Some(u16::MAX));
        assert_eq!(
            many.count,
            pipeline::default_threads() * MAX_THREADS_PER_CORE
        );
        assert!(many.lowered.is_some());
    }

    #[test]
    fn explain_needs_an_id_or_a_line() {
        let Command::Explain(args) = command(&["explain", "in.csv"]) else {
            unreachable!("an explain command line")
        };
        let Err(e) = ExplainConfig::from_args(args) else {
            panic!("expected a usage error")
        };
        assert_eq!(e.0, "give the household with --id ID or --line N");
    }

    #[test]
    fn validate_refuses_rejects_on_standard_output() {
        let Command::Validate(args) = command(&["validate", "in.csv", "--rejects", "-"]) else {
            unreachable!("a validate command line")
        };
        let Err(e) = ValidateConfig::from_args(args) else {
            panic!("expected a usage error")
        };
        assert!(e.0.starts_with("--rejects -: standard output carries"));
    }
}
