//! `--by COLUMN`: which column a summary groups on, how a group's key is
//! written and shown, and the `--max-groups` limit.
//!
//! A key is bytes that sort in the order groups are listed: text as read,
//! other values as 8 bytes in numeric order ([`sortable`]). Reading a key
//! from a row is the pipeline's job (it owns the row parser); this module
//! only says where the key comes from ([`GroupKeySource`]).

use crate::numfmt;
use crate::policy::{InputType, Policy};

use crate::text::grouped;

/// How many groups `--by` makes unless `--max-groups` says otherwise. Each
/// group costs a few kilobytes of counters and a block of the summary: a
/// column of ids would otherwise make a summary larger than the input.
pub const DEFAULT_MAX_GROUPS: usize = 10_000;

/// The column `--by` groups on.
#[derive(Debug, Clone)]
pub struct GroupBy {
    /// The name as the policy or the file's header spells it.
    pub name: String,
    source: GroupKeySource,
    /// The most groups (distinct values) a run may make; one more is an error.
    pub max_groups: usize,
}

/// Where a row's group key comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GroupKeySource {
    /// A text (or id) input of the policy, by input index: its trimmed text,
    /// or its default when empty.
    Text(usize),
    /// An enum, bool or numeric input, by input index: its value, as
    /// [`sortable`] bytes.
    Value(usize),
    /// A column of the file that the policy does not read, by column index:
    /// its trimmed text.
    Column(usize),
}

/// A grouping met more distinct values than its limit allows. The text
/// names no command-line flag: the command line adds `--by` and
/// `--max-groups` from the fields.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{column}: more than {} distinct values of `{column}`, and a summary makes at most {} groups (default {})\n  group by a column with fewer values, or raise the limit",
    grouped(*.limit as u128),
    grouped(*.limit as u128),
    grouped(DEFAULT_MAX_GROUPS as u128)
)]
pub struct TooManyGroups {
    pub column: String,
    pub limit: usize,
}

/// The name to group by is neither a policy input nor a column of the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{name}: no policy input or file column of that name{}\n  choose one of: {choices}",
    .suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default()
)]
pub struct UnknownGroupColumn {
    /// The name as asked for.
    pub name: String,
    /// The closest name there is, if one is close.
    pub suggestion: Option<String>,
    /// The names there are, quoted and listed.
    pub choices: String,
}

/// The columns of the file being read, as `--by` needs them to find a name.
#[derive(Debug, Clone, Copy)]
pub struct FileColumns<'a> {
    /// The header's names, in file order.
    pub header: &'a [String],
    /// For policy input `i`, the index of the column it is read from
    /// (`None`: the file lacks it).
    pub input_columns: &'a [Option<usize>],
    /// Names of the columns no input reads.
    pub unused: &'a [String],
}

impl GroupBy {
    /// Find `name` among the policy's inputs, then among the file's columns
    /// (both case-insensitively). A column renamed onto an input groups by
    /// that input.
    pub fn resolve(
        policy: &Policy,
        columns: FileColumns<'_>,
        name: &str,
    ) -> Result<GroupBy, UnknownGroupColumn> {
        let wanted = name.trim().to_lowercase();
        let by_input = |i: usize| {
            let source = if policy.inputs[i].ty.is_text() {
                GroupKeySource::Text(i)
            } else {
                GroupKeySource::Value(i)
            };
            GroupBy {
                name: policy.inputs[i].name.clone(),
                source,
                max_groups: DEFAULT_MAX_GROUPS,
            }
        };
        if let Some(i) = policy
            .inputs
            .iter()
            .position(|i| i.name.to_lowercase() == wanted)
        {
            return Ok(by_input(i));
        }
        if let Some(c) = columns
            .header
            .iter()
            .position(|h| h.to_lowercase() == wanted)
        {
            let fed = columns.input_columns.iter().position(|x| *x == Some(c));
            return Ok(match fed {
                Some(i) if i < policy.inputs.len() => by_input(i),
                _ => GroupBy {
                    name: columns.header[c].clone(),
                    source: GroupKeySource::Column(c),
                    max_groups: DEFAULT_MAX_GROUPS,
                },
            });
        }
        let mut names: Vec<&str> = policy.inputs.iter().map(|i| i.name.as_str()).collect();
        names.extend(columns.unused.iter().map(String::as_str));
        Err(UnknownGroupColumn {
            name: name.to_string(),
            suggestion: crate::expr::suggest(&wanted, names.iter().copied()).map(str::to_string),
            choices: crate::policy::quote_list(&names),
        })
    }

    /// The same grouping with at most `limit` groups (`--max-groups`).
    pub fn with_max_groups(self, limit: Option<usize>) -> GroupBy {
        GroupBy {
            max_groups: limit.unwrap_or(DEFAULT_MAX_GROUPS),
            ..self
        }
    }

    /// Where each row's key comes from.
    pub(crate) fn source(&self) -> GroupKeySource {
        self.source
    }

    /// A grouping on file column `column` (unit tests).
    #[cfg(test)]
    pub(super) fn on_column(name: &str, column: usize) -> GroupBy {
        GroupBy {
            name: name.into(),
            source: GroupKeySource::Column(column),
            max_groups: DEFAULT_MAX_GROUPS,
        }
    }

    /// A key as the summary shows it: text as read (lossy UTF-8), a number
    /// in its shortest form, an enum or bool value by its name.
    pub(super) fn display_key(&self, policy: &Policy, key: &[u8]) -> String {
        match self.source {
            GroupKeySource::Text(_) | GroupKeySource::Column(_) => {
                String::from_utf8_lossy(key).into_owned()
            }
            GroupKeySource::Value(i) => match (from_sortable(key), policy.inputs.get(i)) {
                (Some(v), Some(input)) => match input.ty {
                    InputType::Integer | InputType::Number | InputType::Money => {
                        let mut out = Vec::new();
                        numfmt::write_shortest(v, &mut out);
                        String::from_utf8_lossy(&out).into_owned()
                    }
                    _ => policy.format_input_value(i, v),
                },
                _ => String::new(),
            },
        }
    }
}

/// An f64 as 8 bytes whose byte order is the numeric order.
pub(crate) fn sortable(v: f64) -> [u8; 8] {
    let bits = v.to_bits();
    let bits = if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    };
    bits.to_be_bytes()
}

/// The value of [`sortable`] bytes (`None` unless `b` is 8 bytes long).
fn from_sortable(b: &[u8]) -> Option<f64> {
    let a: [u8; 8] = b.try_into().ok()?;
    let bits = u64::from_be_bytes(a);
    Some(f64::from_bits(if bits >> 63 == 1 {
        bits & !(1 << 63)
    } else {
        !bits
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sortable_keys_keep_numeric_order() {
        let vals = [-3.5, -1.0, 0.0, 0.5, 2.0, 10.0, 1e9];
        for w in vals.windows(2) {
            assert!(sortable(w[0]) < sortable(w[1]), "{} < {}", w[0], w[1]);
        }
        for v in vals {
            assert_eq!(from_sortable(&sortable(v)), Some(v));
        }
        assert_eq!(from_sortable(b"short"), None);
    }

    #[test]
    fn a_renamed_column_groups_by_the_input_it_feeds() {
        let policy = Policy::default_policy(&Default::default()).unwrap();
        let header: Vec<String> = ["id", "kode_wilayah", "district"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let region = policy.inputs.iter().position(|i| i.name == "region");
        let mut input_columns = vec![None; policy.inputs.len()];
        input_columns[region.unwrap()] = Some(1);
        let unused = vec!["district".to_string()];
        let columns = FileColumns {
            header: &header,
            input_columns: &input_columns,
            unused: &unused,
        };
        let by = GroupBy::resolve(&policy, columns, "KODE_WILAYAH").unwrap();
        assert_eq!(by.name, "region");
        assert_eq!(by.source(), GroupKeySource::Text(region.unwrap()));
        let by = GroupBy::resolve(&policy, columns, "district").unwrap();
        assert_eq!(by.source(), GroupKeySource::Column(2));
        let err = GroupBy::resolve(&policy, columns, "distrct").unwrap_err();
        assert_eq!(err.suggestion.as_deref(), Some("district"));
        let text = err.to_string();
        assert!(text.contains("did you mean `district`?"), "{text}");
        assert!(!text.contains("--"), "{text}");
    }
}
