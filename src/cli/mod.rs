//! The command line: argument definitions and dispatch to one module per command.
//!
//! - `mod.rs`: the clap structs (what the user typed), dispatch, exit statuses.
//! - `config.rs`: those structs checked and resolved into a command's
//!   configuration; every usage error (exit 2) is raised there.
//! - `common.rs`: helpers shared by the commands that read a household file.
//! - `wire.rs`: the JSON documents of `explain` and `validate`.
//! - one module per command (`assess`, `explain`, `validate`, `schema`,
//!   `policy_cmd`, `manual`), importing from the above, never from each other.
//!
//! Only this module uses `anyhow`; the stages return typed errors.

mod assess;
mod common;
mod compare;
mod config;
mod error_text;
mod explain;
mod letters;
mod manual;
mod persons;
mod policy_cmd;
mod profile;
mod progress;
mod schema;
mod schema_output;
mod stage;
mod validate;
mod wire;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::ExitStatus;
use crate::policy::{Lang, LangChoice, LoadOptions, Policy, PolicyError};

const EXAMPLES: &str = "\
Examples:
  layak assess data/sample-households.csv
  layak assess survey.csv --format json -o decisions.json --rejects rejects.csv
  layak assess kobo.csv --rename hh/size=members --rename hh/hh_id=household_id
  cat survey.csv | layak assess - --format ndjson | jq .track
  layak policy show > my-policy.toml
  layak policy check my-policy.toml";

/// layak: need-based social-assistance eligibility from CSV household surveys.
///
/// Reads one household per CSV row, applies a policy (the embedded default, or
/// a TOML file), and writes one decision per household with its reasons.
#[derive(Debug, Parser)]
#[command(name = "layak", version, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Decide every household in a CSV file.
    #[command(after_help = assess::EXAMPLES)]
    Assess(AssessArgs),
    /// Compare a reform with the policy, household by household, in one pass.
    #[command(after_help = compare::EXAMPLES)]
    Compare(CompareArgs),
    /// Explain one household's decision step by step: every value, indicator and program.
    #[command(after_help = explain::EXAMPLES)]
    Explain(ExplainArgs),
    /// Write a printable decision letter (HTML, one A4 page) for every decided household.
    #[command(after_help = letters::EXAMPLES)]
    Letters(LettersArgs),
    /// Read and check every row against the policy's inputs without deciding.
    #[command(after_help = validate::EXAMPLES)]
    Validate(ValidateArgs),
    /// Print or check a policy file, or run its test cases.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Write a starting mapping profile from a file's header, or check one.
    #[command(subcommand)]
    Profile(profile::ProfileCommand),
    /// The inputs a policy expects: a table, JSON, or an empty CSV template.
    #[command(
        after_help = "Examples:\n  layak schema\n  layak schema --format json\n  layak schema --template > survey.csv\n  layak schema --policy my-policy.toml"
    )]
    Schema(SchemaArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(
        after_help = "Examples:\n  layak completions bash > ~/.local/share/bash-completion/completions/layak\n  layak completions zsh > ~/.zfunc/_layak\n  layak completions fish > ~/.config/fish/completions/layak.fish\n  layak completions powershell >> $PROFILE"
    )]
    Completions {
        /// The shell to complete in.
        #[arg(value_enum, value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print a man page (roff): layak(1), or layak-COMMAND(1) for one command.
    #[command(
        after_help = "Examples:\n  layak man | man -l -\n  layak man > ~/.local/share/man/man1/layak.1\n  layak man assess > ~/.local/share/man/man1/layak-assess.1"
    )]
    Man {
        /// A command (assess, explain, validate, policy, schema, completions).
        #[arg(value_name = "COMMAND")]
        command: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Household file (CSV, or a spreadsheet: .xlsx, .ods …); `-` reads standard input.
    #[arg(value_name = "FILE")]
    pub file: String,
    /// The household's id.
    #[arg(long, value_name = "ID", conflicts_with = "line")]
    pub id: Option<String>,
    /// The line of the file on which the household's row starts (the header is line 1).
    #[arg(long, value_name = "N")]
    pub line: Option<u64>,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Also decide the household under a reform (--reform FILE, --set
    /// NAME=VALUE) and show both decisions and the first rule where they part.
    #[command(flatten)]
    pub reform: ReformArgs,
    /// `text` (for people), `json` (the full trace as data) or `html` (a
    /// printable decision letter, as `layak letters` writes).
    #[arg(long, short = 'f', value_enum, default_value = "text")]
    pub format: ExplainFormat,
    /// Show the full trace (every input, derived value, indicator and rule,
    /// for caseworkers and auditors) instead of the family view (what the
    /// household gets, why, and what it does not get).
    #[arg(long)]
    pub detail: bool,
    /// Apply the community overrides of FILE (as `assess --overrides`) and show them.
    #[arg(long = "overrides", value_name = "FILE")]
    pub overrides_file: Option<String>,
    /// With a policy that ranks households (`[ranking]`): rank within each value
    /// of this input, as `assess --rank-within` does.
    #[arg(long, value_name = "INPUT")]
    pub rank_within: Option<String>,
    #[command(flatten)]
    pub lang: LangArgs,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Args)]
pub struct LettersArgs {
    /// Household file (CSV, or a spreadsheet: .xlsx, .ods …); `-` reads standard input.
    #[arg(value_name = "FILE")]
    pub file: String,
    /// The HTML file to write (whole or not at all); `-` is standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: String,
    /// Only these households (ids separated by commas); default: every decided household.
    #[arg(long, value_name = "A,B,…")]
    pub ids: Option<String>,
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[command(flatten)]
    pub lang: LangArgs,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    Text,
    Json,
    Html,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Household file (CSV, or a spreadsheet: .xlsx, .ods …); `-` or nothing reads standard input.
    #[arg(value_name = "FILE")]
    pub file: Option<String>,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// `text` (for people) or `json` (for programs).
    #[arg(long, short = 'f', value_enum, default_value = "text")]
    pub format: ValidateFormat,
    #[command(flatten)]
    pub lang: LangArgs,
    #[command(flatten)]
    pub input: InputArgs,
    /// Write every rejected row to FILE as CSV (line, household_id, column, value, code, reason).
    /// Written beside FILE and renamed into place at the end: after an error or an
    /// interruption, FILE is left as it was. `-` is refused: standard output carries the report.
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<String>,
    /// How many line numbers to list per reason and per column.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub examples: usize,
    /// Report every bad cell of a row, so that a survey is fixed in one round
    /// (the default). Counts by reason and by column then count bad cells; rows
    /// read = valid + rejected still counts rows.
    #[arg(long, overrides_with = "first_error")]
    pub all_errors: bool,
    /// Report only the first bad cell of each row, as `assess` does.
    #[arg(long)]
    pub first_error: bool,
    /// Worker threads [default: every core; at most 4 per core: a larger value is
    /// lowered, with a warning].
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ValidateFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// `table` (for people) or `json` (for programs).
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    pub format: SchemaFormat,
    /// Print only an empty CSV header with the policy's input names, for a survey form.
    #[arg(long)]
    pub template: bool,
    /// Print the output contract instead: a JSON Schema (draft 2020-12) of a
    /// decision (JSON/NDJSON object and CSV row with each column's type), of a
    /// reject, and of stage mode's records, for the policy (always JSON).
    #[arg(long, conflicts_with = "template")]
    pub output: bool,
    /// Delimiter of the --template header: `,` `;` `|` or `tab`.
    #[arg(long, short = 'd', value_name = "CHAR", default_value = ",")]
    pub delimiter: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaFormat {
    Table,
    Json,
}

/// Which policy to use.
#[derive(Debug, Clone, Args)]
pub struct PolicyArgs {
    /// Policy file (TOML); the embedded default policy when omitted.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<String>,
    /// Use the dated parameter values in force on this date (YYYY-MM-DD); default: today.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
}

impl PolicyArgs {
    /// `--as-of` is a date: checked by the commands' configuration before
    /// anything is read, and again here for the commands without one.
    pub fn check(&self) -> Result<(), UsageError> {
        match &self.as_of {
            Some(date) if !crate::policy::is_valid_date(date) => Err(UsageError(format!(
                "--as-of {date}: not a valid date (expected YYYY-MM-DD, e.g. 2025-03-01)"
            ))),
            _ => Ok(()),
        }
    }

    /// Load the chosen policy, its texts in its own default language.
    pub fn load(&self) -> anyhow::Result<Policy> {
        self.load_in(LangChoice::default())
    }

    /// Load the chosen policy with its texts in the language `choice`
    /// chooses; `--lang` naming a language the policy has no texts in is a
    /// warning on standard error (its texts stay in its own language).
    pub fn load_in(&self, choice: LangChoice) -> anyhow::Result<Policy> {
        self.check()?;
        let options = LoadOptions {
            as_of: self.as_of.clone(),
        };
        let policy = match &self.policy {
            None => Policy::load_in(
                crate::policy::DEFAULT_POLICY_NAME,
                crate::policy::DEFAULT_POLICY_TOML,
                &options,
                false,
                choice,
            )?,
            Some(path) => load_policy_file(path, &options, false, choice)?,
        };
        if let Some(asked) = choice.requested.filter(|l| *l != policy.lang) {
            use std::io::Write;
            writeln!(
                std::io::stderr().lock(),
                "warning: --lang {}: the policy has no texts in that language (languages = [{}]); its reasons stay in `{}`",
                asked.code(),
                policy
                    .languages
                    .iter()
                    .map(|l| format!("\"{}\"", l.code()))
                    .collect::<Vec<_>>()
                    .join(", "),
                policy.lang.code()
            )
            .ok();
        }
        Ok(policy)
    }
}

/// The language of the texts for people.
#[derive(Debug, Clone, Args)]
pub struct LangArgs {
    /// The language of the texts for people (reasons, explanations, the
    /// summary and the report): `id` (Bahasa Indonesia) or `en` [default:
    /// LC_ALL, else LANG, when the policy has texts in it (`id_ID.UTF-8` is
    /// Indonesian); else the policy's own `language`].
    #[arg(long, value_name = "LANG", value_parser = ["id", "en"])]
    pub lang: Option<String>,
}

impl LangArgs {
    /// `--lang` and this process's `LC_ALL`/`LANG`.
    pub fn choice(&self) -> LangChoice {
        LangChoice::from_process(self.lang.as_deref().and_then(Lang::parse))
    }
}

/// The language of the tool's own words (the summary, the report, the
/// headings of `explain`): `--lang`, else the environment's language, else
/// the policy's. The policy's texts are in [`Policy::lang`], which differs
/// only when the policy has no texts in the language asked for.
pub fn tool_lang(choice: LangChoice, policy: &Policy) -> Lang {
    choice
        .requested
        .or(choice.environment.filter(|l| policy.languages.contains(l)))
        .unwrap_or(policy.lang)
}

/// Read and check a policy file, printing its warnings on standard error.
/// `strict`: a parameter without `unit` or `reference` is an error.
pub fn load_policy_file(
    path: &str,
    options: &LoadOptions,
    strict: bool,
    choice: LangChoice,
) -> anyhow::Result<Policy> {
    let source = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read policy file {path}: {e}"))?;
    let policy = Policy::load_in(path, &source, options, strict, choice)?;
    print_warnings(&policy);
    Ok(policy)
}

/// A loaded policy's warnings on standard error, rendered like errors
/// (`warning: …`, file:line:column, the line, help). They never change the
/// exit status.
fn print_warnings(policy: &Policy) {
    use std::io::Write;
    if policy.warnings.is_empty() {
        return;
    }
    let mut err = std::io::stderr().lock();
    for w in &policy.warnings {
        write!(err, "{}", w.render()).ok();
    }
}

/// How to read the household file (shared by assess, validate and explain).
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// Field delimiter of the input: `,` `;` `|` `tab` (or `\t`); default: detected from the header.
    #[arg(long, short = 'd', value_name = "CHAR")]
    pub delimiter: Option<String>,
    /// Read the file's column FROM as the policy's input TO (repeatable), e.g. hh/size=members.
    #[arg(long, value_name = "FROM=TO")]
    pub rename: Vec<String>,
    /// Reject a row whose cell is longer than N bytes (default 1 MiB); a record
    /// that runs 16 times longer without ending (an unclosed quote) stops the run.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=(1 << 32)))]
    pub max_field_bytes: Option<u64>,
    /// Form the household id from these columns of the file, e.g. YEAR,SERIAL
    /// (IPUMS): each cell trimmed and required, shown joined by `_`
    /// (2020_000123, also what `explain --id` takes); duplicates compare the
    /// parts. One column is that column read as the id. A column of the file
    /// that would otherwise be the id is not used (with a warning).
    #[arg(long, value_name = "A,B,…")]
    pub id_columns: Option<String>,
    /// The column holding each household's survey weight: every --summary figure
    /// becomes a population estimate (households and persons represented, costs
    /// grossed up, poverty measures weighted) and each decision carries its
    /// `weight`. An empty, non-numeric, zero or negative weight rejects the row.
    #[arg(long, value_name = "COLUMN")]
    pub weight: Option<String>,
    /// Multiply every weight by FACTOR, e.g. 0.01 for weights stored with two
    /// implied decimals (IPUMS) [default: 1].
    #[arg(long, value_name = "FACTOR", requires = "weight")]
    pub weight_scale: Option<String>,
    /// Of a spreadsheet (.xlsx, .xlsb, .xls, .ods): the sheet to read, by name
    /// or by number counted from 1 as the tabs are (a sheet named NAME is
    /// taken first) [default: the first sheet].
    #[arg(long, value_name = "NAME|N")]
    pub sheet: Option<String>,
    /// Person file (CSV, one row per person with its household id): FILE is
    /// then the household file, and the household values the policy computes
    /// from persons (members, head_female, …) come from it. `-` reads standard input.
    #[arg(long, value_name = "PERSONS", conflicts_with = "rectangular")]
    pub persons: Option<String>,
    /// FILE has one row per person, the household columns repeated on each
    /// row of a household (an IPUMS-style rectangular extract).
    #[arg(long)]
    pub rectangular: bool,
    /// A mapping profile (TOML) for the survey: column renames and group
    /// prefixes to strip, value maps (Perkotaan = "urban"), number formats
    /// (Rp 1.500.000,50), missing-value codes, the delimiter and id columns.
    /// Flags given here win over it. `layak profile init FILE` writes one.
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// Stop before reading any row when an input of the policy has no column
    /// (instead of every row taking its default); every missing column is
    /// named at once, with the header's nearest names.
    #[arg(long)]
    pub require_columns: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Csv,
    Json,
    Ndjson,
    Parquet,
    Xlsx,
    // An Arrow IPC stream, in stage mode only (`--stage`, whose help names it).
    #[value(hide = true)]
    Arrow,
}

/// What stage mode reads (`--input-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormatArg {
    // One household JSON object a line.
    Ndjson,
    // An Arrow IPC stream (the batches of Spark's mapInArrow).
    Arrow,
}

/// How the reasons of each decision are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReasonsArg {
    Text,
    Codes,
    None,
}

#[derive(Debug, Args)]
pub struct AssessArgs {
    /// Household file (CSV, or a spreadsheet: .xlsx, .ods …); `-` or nothing reads standard input.
    #[arg(value_name = "FILE")]
    pub file: Option<String>,
    /// Output format [default: from the -o extension (.csv, .json, .ndjson/.jsonl,
    /// .parquet, .xlsx), else csv].
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<FormatArg>,
    /// Write decisions to FILE instead of standard output (`-`: standard output).
    /// Each output FILE (-o, --rejects, --summary) is written to a temporary file
    /// beside it, readable only by its owner, and renamed into place when all of
    /// them are complete: after an error, a closed standard output or an
    /// interruption (Ctrl-C), each is left as it was. No two outputs, nor an output
    /// and the input, may name the same file. A new FILE gets the usual mode
    /// (umask); a replaced one keeps its mode.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<String>,
    /// Write rejected rows to FILE as CSV (line, household_id, column, value, code, reason).
    /// `-` writes them to standard output, when the decisions go to a file (-o).
    /// Without it, the first rejects are listed on standard error. A FILE named .parquet
    /// is written as Parquet; an -o .xlsx workbook also has them in a "rejects" sheet.
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<String>,
    /// Choose and order the decision columns: names separated by commas, any
    /// documented column or a derived value or input of the policy by name;
    /// `core` is the 15 core columns (e.g. --columns core,vulnerable_members).
    #[arg(long, value_name = "LIST")]
    pub columns: Option<String>,
    /// How reasons are written: text (sentences), codes (stable short ids such as
    /// income.near_poor;program.food_assistance), none (no reasons column) [default: text].
    #[arg(long, value_enum, value_name = "HOW")]
    pub reasons: Option<ReasonsArg>,
    /// CSV for a spreadsheet in an Indonesian locale: UTF-8 byte-order mark,
    /// `;` between fields, decimal comma in numbers (ids and text unchanged).
    #[arg(long)]
    pub excel: bool,
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[command(flatten)]
    pub input: InputArgs,
    /// Stop at the first rejected row with exit code 1, leaving no output file.
    #[arg(long)]
    pub strict: bool,
    /// Worker threads [default: every core; at most 4 per core: a larger value is
    /// lowered, with a warning]. The output is the same for any value.
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Target input chunk size in bytes (testing and tuning only).
    #[arg(long, hide = true, value_name = "BYTES", value_parser = clap::value_parser!(u32).range(1..))]
    pub chunk_bytes: Option<u32>,
    /// Do not print the closing count line (nor, on a terminal, the summary) on standard error.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Write a summary of the run to FILE as JSON: rows and rejects, households and
    /// persons per track, income and deprivation status, program counts and costs,
    /// poverty measures (Alkire–Foster, FGT) and the budget outcome. `-` prints a
    /// short summary on standard error instead (printed anyway when standard error
    /// is a terminal).
    #[arg(long, value_name = "FILE")]
    pub summary: Option<String>,
    /// Write a report of the run for managers to FILE (.html): one self-contained
    /// page (no script, nothing loaded) with the summary's figures, tables and
    /// charts, printable on A4. Computes the summary (--by, --budget, --weight
    /// shape it as they shape --summary).
    #[arg(long, value_name = "FILE")]
    pub report: Option<String>,
    #[command(flatten)]
    pub lang: LangArgs,
    /// Summary figures per value of COLUMN as well as in total: a policy input
    /// (e.g. region) or any other column of the file (needs --summary).
    #[arg(long, value_name = "COLUMN")]
    pub by: Option<String>,
    /// The most groups `--by` makes (distinct values of COLUMN) [default: 10000]:
    /// one more ends the run with an error and no output file is written.
    #[arg(long, value_name = "N", requires = "by", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_groups: Option<u32>,
    /// Poverty measures count households instead of persons (needs --summary).
    #[arg(long)]
    pub unweighted: bool,
    /// The integer input counted as a household's persons, in the summary (needs
    /// --summary) [default: members, when the policy has it].
    #[arg(long, value_name = "INPUT")]
    pub persons_column: Option<String>,
    /// A monthly budget in the policy's currency (whole units, `_` allowed): rank the
    /// eligible households by priority (ties by household_id), fund them in order
    /// while their monthly totals fit, and add `funded` and `rank` to every decision.
    /// Reads the input twice (standard input is copied to a temporary file, readable
    /// only by its owner and removed at the end).
    #[arg(long, value_name = "AMOUNT")]
    pub budget: Option<String>,
    /// With a policy that ranks households (`[ranking]`): rank within each value
    /// of this input (e.g. a province) instead of nationally; each value's
    /// households are a population of their own.
    #[arg(long, value_name = "INPUT")]
    pub rank_within: Option<String>,
    /// Stage mode, for a worker of a distributed engine (Spark): read NDJSON
    /// (default) or an Arrow IPC stream (--input-format arrow) and write exactly
    /// one record per input record, in order: a decision, or a reject with its
    /// code, column, reason and record index (from 0), as NDJSON (default) or
    /// Arrow IPC (--format arrow). Exit 0 with rejected rows (they are data);
    /// nonzero only for a fatal error. No duplicate-id detection: a worker sees
    /// one partition, so dedupe ids in the job before the stage.
    #[arg(long)]
    pub stage: bool,
    /// Stage mode's input: ndjson (one household object a line, keys the column
    /// names, values strings, numbers, booleans or null) or arrow (an Arrow IPC
    /// stream) [default: ndjson].
    #[arg(long, value_enum, value_name = "FORMAT", requires = "stage")]
    pub input_format: Option<InputFormatArg>,
    /// Community verification: a CSV of overrides decided by the village
    /// (household_id,program,action,value,reason,decided_by,date; action grant, deny,
    /// set_track or set_amount; program `*` for all). Applied after the rules and
    /// before --budget ranks; each overridden decision says so, with the original
    /// value, the reason and who decided. A bad line, or one whose household is not
    /// decided, is an error listing every such line.
    #[arg(long, value_name = "FILE")]
    pub overrides: Option<String>,
}

/// The reform of `compare` and `explain`: a second policy, parameter changes, or both.
#[derive(Debug, Clone, Default, Args)]
pub struct ReformArgs {
    /// The reform: a whole second policy (TOML), with the same inputs as the
    /// base policy (names, types, bounds and defaults), decided on the same
    /// --as-of date.
    #[arg(long, value_name = "FILE")]
    pub reform: Option<String>,
    /// Change a parameter for the reform (repeatable): NAME=VALUE, or
    /// NAME@YYYY-MM-DD=VALUE for the dated value starting that day (which
    /// must be the one in force on --as-of). VALUE is a number or a constant
    /// expression (1/3, 1.3 * near_poor_factor). Applied to the --reform
    /// policy if given, else to the base policy.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
}

impl ReformArgs {
    /// Whether a reform was asked for at all.
    pub fn given(&self) -> bool {
        self.reform.is_some() || !self.set.is_empty()
    }
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Household file (CSV, or a spreadsheet: .xlsx, .ods …); `-` or nothing reads standard input.
    #[arg(value_name = "FILE")]
    pub file: Option<String>,
    #[command(flatten)]
    pub reform: ReformArgs,
    /// Write every household, not only those whose decision changed.
    #[arg(long)]
    pub all: bool,
    /// Output format [default: from the -o extension (.csv, .json, .ndjson/.jsonl,
    /// .parquet, .xlsx), else csv].
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<FormatArg>,
    /// Write the compared decisions to FILE instead of standard output
    /// (written beside it and renamed into place when complete, as `assess` does).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<String>,
    /// Write rejected rows to FILE as CSV, as `assess` does (`-`: standard
    /// output, when the comparison goes to a file).
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<String>,
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[command(flatten)]
    pub input: InputArgs,
    /// Stop at the first rejected row with exit code 1, leaving no output file.
    #[arg(long)]
    pub strict: bool,
    /// Worker threads [default: every core; at most 4 per core].
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Target input chunk size in bytes (testing and tuning only).
    #[arg(long, hide = true, value_name = "BYTES", value_parser = clap::value_parser!(u32).range(1..))]
    pub chunk_bytes: Option<u32>,
    /// Do not print the closing count lines on standard error.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Write the comparison's summary to FILE as JSON: every figure of
    /// `assess --summary` for the base, the reform and their difference; the
    /// households per change, winners and losers by band of monthly change,
    /// and the track transition matrix. `-` prints a short summary on
    /// standard error instead.
    #[arg(long, value_name = "FILE")]
    pub summary: Option<String>,
    /// Summary figures per value of COLUMN as well as in total (needs --summary).
    #[arg(long, value_name = "COLUMN")]
    pub by: Option<String>,
    /// The most groups `--by` makes [default: 10000].
    #[arg(long, value_name = "N", requires = "by", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_groups: Option<u32>,
    /// Poverty measures count households instead of persons (needs --summary).
    #[arg(long)]
    pub unweighted: bool,
    /// The integer input counted as a household's persons, in the summary
    /// [default: members, when the policy has it].
    #[arg(long, value_name = "INPUT")]
    pub persons_column: Option<String>,
    /// Write a report of the comparison for managers to FILE (.html): one
    /// self-contained page (no script, nothing loaded) with the policy, the
    /// reform and their difference: costs per program, households per track,
    /// the track transitions, winners and losers, and the budget.
    #[arg(long, value_name = "FILE")]
    pub report: Option<String>,
    #[command(flatten)]
    pub lang: LangArgs,
    /// A monthly budget in the policy's currency (whole units, `_` allowed):
    /// each policy ranks its own eligible households by priority (ties by
    /// household_id) and funds them in order while their monthly totals fit,
    /// as `assess --budget` does; adds base_/reform_ `funded` and `rank` to
    /// every row, and writes a household whose funding changes. Reads the
    /// input twice (standard input is copied to a temporary file).
    #[arg(long, value_name = "AMOUNT")]
    pub budget: Option<String>,
    /// With policies that rank households (`[ranking]`): each ranks within
    /// each value of this input, as `assess --rank-within` does.
    #[arg(long, value_name = "INPUT")]
    pub rank_within: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Print the embedded default policy (TOML), to copy and edit.
    Show,
    /// Load and type-check a policy file; print every problem with its location.
    Check {
        /// Policy file (TOML).
        #[arg(value_name = "FILE")]
        file: String,
        /// Check with the dated parameter values in force on this date (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// Also require every parameter's `unit` and `reference` (otherwise a
        /// warning), as for a shipped or published policy.
        #[arg(long)]
        strict: bool,
    },
    /// Run test cases (TOML) against a policy; print failures with expected and actual values.
    #[command(
        after_help = "Examples:\n  layak policy test data/policies/default.tests.toml\n  layak policy test examples/policies/*.tests.toml"
    )]
    Test {
        /// Test case files (TOML). Each names its policy with `policy = "FILE"` (relative to the test file), or uses --policy / the default policy.
        #[arg(value_name = "FILE", required = true)]
        files: Vec<String>,
        #[command(flatten)]
        policy: PolicyArgs,
    },
}

/// A command-line usage problem found after parsing (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Run a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    match cli.command {
        Command::Assess(args) => assess::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Policy(cmd) => policy_cmd::run(cmd),
        Command::Profile(cmd) => profile::run(cmd),
        Command::Schema(args) => schema::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Letters(args) => letters::run(args),
        Command::Completions { shell } => manual::completions(shell),
        Command::Man { command } => manual::man(command.as_deref()),
    }
}

/// The exit status for an error that ended the run.
pub fn exit_status_of(err: &anyhow::Error) -> ExitStatus {
    if err.downcast_ref::<UsageError>().is_some() {
        ExitStatus::Usage
    } else {
        ExitStatus::Fatal
    }
}

/// An error as the user should read it: policy errors with their source snippets.
pub fn render_error(err: &anyhow::Error) -> String {
    if let Some(p) = err.downcast_ref::<PolicyError>() {
        let mut out = p.render();
        if p.diagnostics.len() > 1 {
            out.push_str(&format!(
                "layak: the policy has {} errors\n",
                p.diagnostics.len()
            ));
        }
        return out.trim_end().to_string();
    }
    let mut out = format!("error: {}", error_text::cause_text(err.as_ref()));
    for cause in err.chain().skip(1) {
        // Many messages already include their cause: do not say it twice.
        let text = error_text::cause_text(cause);
        if !out.contains(&text) {
            out.push_str(&format!("\n  cause: {text}"));
        }
    }
    out
}

pub(crate) use crate::text::{counted, grouped};
