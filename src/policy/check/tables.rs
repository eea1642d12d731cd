//! `[[tables]]`: lookup tables keyed by one or two enum inputs, from rows in
//! the policy or a CSV file in the policy's folder, optionally dated.
//!
//! Each table becomes a flat array of numbers at load (the first key's value
//! index times the second enum's size, plus the second key's index), so a
//! lookup per row is one load; a key with no row holds the table's
//! `default`, or NaN (undefined: the row is rejected) without one.
//!
//! A policy is data, never a way to read arbitrary files: a table file must
//! be a relative path without `..`, and what it resolves to (symbolic links
//! followed) must stay inside the policy file's folder.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use super::*;
use crate::expr::Table;
use crate::policy::raw::{RawTable, RawTableCell};

/// Largest table file read (a guard against a policy pointing at a huge file).
const MAX_TABLE_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Largest number of cells of one table (the product of its keys' enum sizes).
const MAX_TABLE_CELLS: usize = 4_000_000;

/// Tables the built-in default policy may use, embedded in the binary, by
/// their path relative to `data/policies/`.
pub(crate) const EMBEDDED_TABLES: &[(&str, &str)] = &[(
    "tables/poverty-lines-province-ILLUSTRATIVE.csv",
    include_str!("../../../data/policies/tables/poverty-lines-province-ILLUSTRATIVE.csv"),
)];

/// One row of a table as read: its key texts, its value, and where it is
/// (a byte span in the policy, or a line of the CSV file).
struct Row {
    keys: Vec<String>,
    value: f64,
    at: RowAt,
}

enum RowAt {
    Policy(std::ops::Range<usize>),
    Line(u64),
}

/// The household's text inputs and tables, set aside while person-level
/// expressions are checked.
type HouseholdExtras = (HashMap<String, usize>, HashMap<String, Table>);

impl Checker<'_> {
    pub(super) fn take_household_extras(&mut self) -> HouseholdExtras {
        (
            std::mem::take(&mut self.text_inputs),
            std::mem::take(&mut self.tables),
        )
    }

    /// Check and build every table; they are visible to expressions from
    /// the row checks on.
    pub(super) fn tables(&mut self, raws: &[RawTable], inputs: &[Input], as_of: &str) {
        for r in raws {
            if !self.declare(&r.name, "a table") {
                continue;
            }
            if let Some(table) = self.table(r, inputs, as_of) {
                self.tables.insert(r.name.get_ref().clone(), table);
            }
        }
    }

    fn table(&mut self, r: &RawTable, inputs: &[Input], as_of: &str) -> Option<Table> {
        let name = r.name.get_ref();
        if r.keys.is_empty() || r.keys.len() > 2 {
            self.error(
                r.name.span(),
                format!("table `{name}` must have one or two `keys`"),
                Some("e.g. keys = [\"province\", \"area\"]: enum inputs".into()),
            );
            return None;
        }
        let mut keys = Vec::new();
        for k in &r.keys {
            match inputs.iter().find(|i| &i.name == k.get_ref()).map(|i| i.ty) {
                Some(InputType::Enum(id)) => keys.push(id),
                Some(_) => {
                    self.error(
                        k.span(),
                        format!(
                            "key `{}` of table `{name}` is not an enum input",
                            k.get_ref()
                        ),
                        Some(
                            "a table is keyed by enum inputs (declare the codes as `values`)"
                                .into(),
                        ),
                    );
                    return None;
                }
                None => {
                    self.error(
                        k.span(),
                        format!("key `{}` of table `{name}` is not an input", k.get_ref()),
                        None,
                    );
                    return None;
                }
            }
        }
        let default = match &r.default {
            Some(d) if !d.get_ref().is_finite() => {
                self.error(
                    d.span(),
                    "a table's `default` must be a finite number",
                    None,
                );
                return None;
            }
            Some(d) => *d.get_ref(),
            None => f64::NAN,
        };
        let rows = self.table_rows(r, as_of)?;
        let sizes: Vec<usize> = keys
            .iter()
            .map(|&id| {
                self.enums
                    .get(usize::from(id))
                    .map_or(0, |e| e.values.len())
            })
            .collect();
        let cells = sizes.iter().product::<usize>();
        if cells > MAX_TABLE_CELLS {
            self.error(
                r.name.span(),
                format!("table `{name}` would have {cells} cells, more than {MAX_TABLE_CELLS}"),
                None,
            );
            return None;
        }
        let mut values = vec![f64::NAN; cells];
        let mut filled = vec![false; cells];
        let mut ok = true;
        for row in &rows {
            match self.row_index(r, &keys, &sizes, row) {
                Some(i) if filled[i] => {
                    self.row_error(
                        r,
                        row,
                        format!("the key {} is listed twice", row.keys.join(", ")),
                    );
                    ok = false;
                }
                Some(i) => {
                    values[i] = row.value;
                    filled[i] = true;
                }
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        for (v, f) in values.iter_mut().zip(&filled) {
            if !f {
                *v = default;
            }
        }
        Some(Table {
            keys,
            values: Arc::from(values),
        })
    }

    /// The flat index of `row`'s keys, or `None` after reporting a key
    /// that is not one of its enum's values.
    fn row_index(
        &mut self,
        r: &RawTable,
        keys: &[EnumId],
        sizes: &[usize],
        row: &Row,
    ) -> Option<usize> {
        if row.keys.len() != keys.len() {
            let n = keys.len();
            self.row_error(
                r,
                row,
                format!(
                    "a row needs {n} key{} and a value",
                    if n == 1 { "" } else { "s" }
                ),
            );
            return None;
        }
        let mut index = 0;
        for ((text, &id), &size) in row.keys.iter().zip(keys).zip(sizes) {
            let lower = text.trim().to_ascii_lowercase();
            let found = self
                .enum_index
                .get(usize::from(id))
                .and_then(|m| m.get(lower.as_str()).copied());
            let Some(k) = found else {
                let label = self
                    .enums
                    .get(usize::from(id))
                    .map_or("?", |e| e.label.as_str())
                    .to_string();
                self.row_error(r, row, format!("`{text}` is not a value of `{label}`"));
                return None;
            };
            index = index * size + k;
        }
        Some(index)
    }

    /// Report a problem with one row, at its place in the policy or file.
    fn row_error(&mut self, r: &RawTable, row: &Row, message: String) {
        let name = r.name.get_ref();
        match &row.at {
            RowAt::Policy(span) => {
                self.error(span.clone(), format!("table `{name}`: {message}"), None)
            }
            RowAt::Line(line) => {
                let file = self
                    .table_file(r)
                    .map_or_else(String::new, |f| f.get_ref().clone());
                let span = self.table_file(r).map_or(r.name.span(), |f| f.span());
                self.error(
                    span,
                    format!("table `{name}`, {file} line {line}: {message}"),
                    None,
                );
            }
        }
    }

    /// The file the table's rows in force come from, if they come from one.
    fn table_file<'r>(&self, r: &'r RawTable) -> Option<&'r SpannedStr> {
        match self.chosen_version.and_then(|i| r.versions.get(i)) {
            Some(v) => v.file.as_ref(),
            None => r.file.as_ref(),
        }
    }

    /// The rows in force on `as_of`: the newest dated version not after
    /// it, else the table's own `file` or `rows`.
    fn table_rows(&mut self, r: &RawTable, as_of: &str) -> Option<Vec<Row>> {
        self.chosen_version = None;
        let mut last: Option<&str> = None;
        for (i, v) in r.versions.iter().enumerate() {
            let f = v.from.get_ref().as_str();
            if !is_valid_date(f) {
                self.error(
                    v.from.span(),
                    format!("`{f}` is not a valid date"),
                    Some("write dates as YYYY-MM-DD".into()),
                );
                return None;
            }
            if last.is_some_and(|l| l >= f) {
                self.error(
                    v.from.span(),
                    "dated versions must be in increasing date order",
                    None,
                );
                return None;
            }
            last = Some(f);
            if f <= as_of {
                self.chosen_version = Some(i);
            }
        }
        let (file, rows) = match self.chosen_version.and_then(|i| r.versions.get(i)) {
            Some(v) => (v.file.as_ref(), v.rows.as_ref()),
            None if r.file.is_none() && r.rows.is_none() && !r.versions.is_empty() => {
                let first = r.versions[0].from.get_ref();
                self.error(
                    r.name.span(),
                    format!(
                        "table `{}` has no version in force on {as_of}",
                        r.name.get_ref()
                    ),
                    Some(format!("its earliest version starts on {first}")),
                );
                return None;
            }
            None => (r.file.as_ref(), r.rows.as_ref()),
        };
        match (file, rows) {
            (Some(f), None) => {
                let text = self.table_text(f)?;
                self.csv_rows(r, f, &text)
            }
            (None, Some(rows)) => self.inline_rows(rows),
            _ => {
                self.error(
                    r.name.span(),
                    format!("table `{}` needs exactly one of `file` and `rows`", r.name.get_ref()),
                    Some("file = \"tables/lines.csv\" (beside the policy), or rows = [[\"key\", 1.5], …]".into()),
                );
                None
            }
        }
    }

    fn inline_rows(&mut self, rows: &toml::Spanned<Vec<Vec<RawTableCell>>>) -> Option<Vec<Row>> {
        let span = rows.span();
        let mut out = Vec::new();
        for row in rows.get_ref() {
            let Some((RawTableCell::Number(value), keys)) = row.split_last() else {
                self.error(
                    span.clone(),
                    "each table row is its keys (text) and then its value (a number)",
                    Some("e.g. [\"aceh\", \"urban\", 700000]".into()),
                );
                return None;
            };
            let mut texts = Vec::new();
            for k in keys {
                match k {
                    RawTableCell::Text(t) => texts.push(t.clone()),
                    RawTableCell::Number(n) => texts.push(format!("{n}")),
                }
            }
            if !value.is_finite() {
                self.error(span.clone(), "a table value must be a finite number", None);
                return None;
            }
            out.push(Row {
                keys: texts,
                value: *value,
                at: RowAt::Policy(span.clone()),
            });
        }
        Some(out)
    }

    /// Rows of a CSV table: a header naming the keys then `value`, `#`
    /// lines are comments.
    fn csv_rows(&mut self, r: &RawTable, file: &SpannedStr, text: &str) -> Option<Vec<Row>> {
        let name = r.name.get_ref();
        let fname = file.get_ref();
        let mut reader = csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .trim(csv::Trim::All)
            .flexible(true)
            .from_reader(text.as_bytes());
        let keys: Vec<String> = r.keys.iter().map(|k| k.get_ref().clone()).collect();
        let column = r.column.as_ref().map_or("value", |c| c.get_ref().as_str());
        let header: Vec<String> = match reader.headers() {
            Ok(h) => h.iter().map(str::to_string).collect(),
            Err(e) => {
                self.error(file.span(), format!("table `{name}`: {fname}: {e}"), None);
                return None;
            }
        };
        let at = header
            .iter()
            .skip(keys.len())
            .position(|h| h == column)
            .map(|p| p + keys.len());
        let (true, Some(at)) = (header.get(..keys.len()) == Some(&keys[..]), at) else {
            self.error(
                file.span(),
                format!(
                    "table `{name}`: the header of {fname} is `{}`",
                    header.join(",")
                ),
                Some(format!(
                    "the header starts with the keys `{}` and has the column `{column}`",
                    keys.join(",")
                )),
            );
            return None;
        };
        let mut out = Vec::new();
        for record in reader.records() {
            let record = match record {
                Ok(rec) => rec,
                Err(e) => {
                    self.error(file.span(), format!("table `{name}`: {fname}: {e}"), None);
                    return None;
                }
            };
            let line = record.position().map_or(0, |p| p.line());
            let cells: Vec<&str> = record.iter().collect();
            let (Some(value), Some(keys)) = (cells.get(at), cells.get(..keys.len())) else {
                self.error(
                    file.span(),
                    format!("table `{name}`, {fname} line {line}: the row is too short"),
                    None,
                );
                return None;
            };
            let value = match value.replace('_', "").parse::<f64>() {
                Ok(v) if v.is_finite() => v,
                _ => {
                    self.error(
                        file.span(),
                        format!("table `{name}`, {fname} line {line}: `{value}` is not a number"),
                        None,
                    );
                    return None;
                }
            };
            out.push(Row {
                keys: keys.iter().map(|k| k.to_string()).collect(),
                value,
                at: RowAt::Line(line),
            });
        }
        Some(out)
    }

    /// The text of a table file, read only from inside the policy's folder.
    fn table_text(&mut self, file: &SpannedStr) -> Option<String> {
        let rel = file.get_ref().as_str();
        if self.file == crate::policy::DEFAULT_POLICY_NAME {
            return match EMBEDDED_TABLES.iter().find(|(p, _)| *p == rel) {
                Some((_, text)) => Some((*text).to_string()),
                None => {
                    self.error(
                        file.span(),
                        format!("`{rel}` is not a table of the built-in policy"),
                        None,
                    );
                    None
                }
            };
        }
        match table_path(self.file, rel) {
            Ok(path) => match read_limited(&path) {
                Ok(text) => Some(text),
                Err(e) => {
                    self.error(
                        file.span(),
                        format!("cannot read table file `{rel}`: {e}"),
                        None,
                    );
                    None
                }
            },
            Err(message) => {
                self.error(
                    file.span(),
                    message,
                    Some("a table file is a relative path inside the policy's folder, e.g. `tables/lines.csv`".into()),
                );
                None
            }
        }
    }
}

/// The canonical path of the table file `rel` of the policy file `policy`,
/// or why it is refused: an absolute path, a `..`, or a path that leaves the
/// policy's folder once symbolic links are followed.
pub(crate) fn table_path(policy: &str, rel: &str) -> Result<PathBuf, String> {
    let path = Path::new(rel);
    if rel.is_empty() {
        return Err("a table file path is empty".into());
    }
    if path.is_absolute() || path.has_root() {
        return Err(format!("table file `{rel}` is an absolute path"));
    }
    if path
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(format!("table file `{rel}` goes up with `..`"));
    }
    let dir = match Path::new(policy).parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let root = dir
        .canonicalize()
        .map_err(|e| format!("cannot find the policy's folder `{}`: {e}", dir.display()))?;
    let full = dir
        .join(path)
        .canonicalize()
        .map_err(|e| format!("cannot read table file `{rel}`: {e}"))?;
    if !full.starts_with(&root) {
        return Err(format!(
            "table file `{rel}` leads out of the policy's folder (through a symbolic link)"
        ));
    }
    if !full.is_file() {
        return Err(format!("table file `{rel}` is not a file"));
    }
    Ok(full)
}

fn read_limited(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let f = std::fs::File::open(path)?;
    let mut text = String::new();
    f.take(MAX_TABLE_FILE_BYTES + 1).read_to_string(&mut text)?;
    if text.len() as u64 > MAX_TABLE_FILE_BYTES {
        return Err(std::io::Error::other(format!(
            "it is larger than {} MiB",
            MAX_TABLE_FILE_BYTES >> 20
        )));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use crate::policy::{LoadOptions, Policy};

    const HEAD: &str = r#"[policy]
id = "t"
name = "t"
version = "1"

[[inputs]]
name = "household_id"
type = "id"
required = true

[[inputs]]
name = "province"
type = "enum"
values = ["11", "31", "94"]
default = "11"

[[inputs]]
name = "area"
type = "enum"
values = ["urban", "rural"]
default = "urban"

[[tracks]]
id = "all"
"#;

    fn load(file: &str, tables: &str, expr: &str) -> Result<Policy, String> {
        let src = format!("{HEAD}\n{tables}\n[[derived]]\nname = \"line\"\nexpr = '{expr}'\n");
        let options = LoadOptions {
            as_of: Some("2025-06-30".into()),
        };
        Policy::load(file, &src, &options).map_err(|e| e.render())
    }

    fn line(p: &Policy, province: f64, area: f64) -> f64 {
        let d = &p.derived[0];
        let mut slots = vec![0.0; p.slot_count];
        slots[1] = province;
        slots[2] = area;
        d.program.eval(&slots)
    }

    const INLINE: &str = r#"[[tables]]
name = "lines"
keys = ["province", "area"]
rows = [["11", "urban", 700], ["11", "RURAL", 650], ["94", "rural", 800]]
"#;

    #[test]
    fn inline_rows_with_two_keys() {
        let p = load("t.toml", INLINE, "lines[province][area]").unwrap();
        assert_eq!(line(&p, 0.0, 0.0), 700.0);
        assert_eq!(line(&p, 0.0, 1.0), 650.0);
        assert_eq!(line(&p, 2.0, 1.0), 800.0);
        // A missing key without a default is undefined (the row is rejected).
        assert!(line(&p, 1.0, 0.0).is_nan());
        let with_default = INLINE.replace("keys =", "default = 1\nkeys =");
        let p = load("t.toml", &with_default, "lines[province][area] * 2").unwrap();
        assert_eq!(line(&p, 1.0, 0.0), 2.0);
        // Constant keys fold at load.
        let p = load("t.toml", INLINE, "lines[\"94\"][rural]").unwrap();
        assert_eq!(p.derived[0].program.as_const(), Some(800.0));
    }

    #[test]
    fn table_errors_are_located() {
        for (tables, expr, message) in [
            (
                INLINE,
                "lines[province]",
                "table `lines` takes 2 keys, found 1",
            ),
            (
                INLINE,
                "lines[area][province]",
                "expected a value of `province`",
            ),
            (INLINE, "linez[province][area]", "unknown table `linez`"),
            (
                &INLINE.replace("\"94\", \"rural\"", "\"95\", \"rural\""),
                "1",
                "`95` is not a value of `province`",
            ),
            (
                &INLINE.replace("[\"11\", \"RURAL\", 650]", "[\"11\", \"urban\", 650]"),
                "1",
                "the key 11, urban is listed twice",
            ),
            (
                &INLINE.replace("\"area\"]", "\"household_id\"]"),
                "1",
                "is not an enum input",
            ),
            (
                &INLINE.replace("rows =", "file = \"x.csv\"\nrows ="),
                "1",
                "exactly one of `file` and `rows`",
            ),
        ] {
            let err = load("t.toml", tables, expr).unwrap_err();
            assert!(err.contains(message), "{message}: {err}");
        }
    }

    #[test]
    fn csv_files_dated_versions_and_columns() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("tables");
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(
            sub.join("a.csv"),
            "# comment\nprovince,area,value,other\n11,urban,1_000,5\n31,rural,2000,6\n",
        )
        .unwrap();
        std::fs::write(sub.join("b.csv"), "province,area,value\n11,urban,3000\n").unwrap();
        let policy = dir.path().join("p.toml");
        let policy = policy.to_str().unwrap();
        let tables = r#"[[tables]]
name = "lines"
keys = ["province", "area"]
default = 0
[[tables.versions]]
from = "2024-01-01"
file = "tables/a.csv"
[[tables.versions]]
from = "2026-01-01"
file = "tables/b.csv"
"#;
        let p = load(policy, tables, "lines[province][area]").unwrap();
        assert_eq!(line(&p, 0.0, 0.0), 1000.0);
        assert_eq!(line(&p, 1.0, 1.0), 2000.0);
        assert_eq!(line(&p, 2.0, 1.0), 0.0);
        let other = "[[tables]]\nname = \"lines\"\nkeys = [\"province\", \"area\"]\nfile = \"tables/a.csv\"\ncolumn = \"other\"\n";
        let p = load(policy, other, "lines[province][area]").unwrap();
        assert_eq!(line(&p, 1.0, 1.0), 6.0);
        let bad = other.replace("other\"", "nope\"");
        let err = load(policy, &bad, "1").unwrap_err();
        assert!(err.contains("has the column `nope`"), "{err}");
    }

    #[test]
    fn a_table_file_stays_inside_the_policy_folder() {
        let dir = tempfile::tempdir().unwrap();
        let inside = dir.path().join("policy");
        std::fs::create_dir(&inside).unwrap();
        std::fs::write(
            dir.path().join("secret.csv"),
            "province,area,value\n11,urban,1\n",
        )
        .unwrap();
        std::fs::write(inside.join("ok.csv"), "province,area,value\n11,urban,1\n").unwrap();
        let policy = inside.join("p.toml");
        let policy = policy.to_str().unwrap();
        let abs = dir.path().join("secret.csv");
        let mut cases = vec![
            ("../secret.csv".to_string(), "goes up with `..`"),
            ("sub/../../secret.csv".to_string(), "goes up with `..`"),
            (abs.to_string_lossy().into_owned(), "is an absolute path"),
            ("missing.csv".to_string(), "cannot read table file"),
            (String::new(), "path is empty"),
        ];
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("secret.csv"), inside.join("link.csv"))
                .unwrap();
            std::os::unix::fs::symlink(dir.path(), inside.join("up")).unwrap();
            cases.push(("link.csv".into(), "leads out of the policy's folder"));
            cases.push(("up/secret.csv".into(), "leads out of the policy's folder"));
        }
        for (file, message) in cases {
            let tables = format!(
                "[[tables]]\nname = \"lines\"\nkeys = [\"province\", \"area\"]\nfile = '{file}'\n"
            );
            let err = load(policy, &tables, "1").unwrap_err();
            assert!(err.contains(message), "{file}: {err}");
        }
        let tables =
            "[[tables]]\nname = \"lines\"\nkeys = [\"province\", \"area\"]\nfile = \"./ok.csv\"\n";
        assert!(load(policy, tables, "lines[province][area]").is_ok());
    }
}
