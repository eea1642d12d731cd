//! Where each of the policy's inputs is in a file: the header matched to
//! the inputs (renames, a profile's renames, id columns, the weight), and
//! the errors of a header that does not fit, with suggestions.

use super::*;

/// Where each policy input is found in the file's columns.
#[derive(Debug, Clone)]
pub struct Layout {
    /// For input `i`, the column index, or `None` when the file lacks it (defaults apply).
    pub columns: Vec<Option<usize>>,
    /// Number of fields every row must have.
    pub field_count: usize,
    /// Inputs missing from the file (all optional: a missing required input is an error).
    pub defaulted: Vec<String>,
    /// File columns that no input uses.
    pub unused: Vec<String>,
    /// A cell longer than this is rejected (`field_too_long`).
    pub max_field_bytes: usize,
    /// A composite household id ([`ReadOptions::id_columns`] of two or more
    /// columns): the columns of its parts, in order. The id input then has no
    /// column (`columns[id_input]` is `None`); [`RowParser`] reads the parts,
    /// trims each, requires each to be non-empty, shows them joined by
    /// [`ID_SEPARATOR`] and fingerprints them unambiguously
    /// ([`fingerprint_parts`]). Empty for a one-column id.
    pub id_parts: Vec<usize>,
    /// The header names of `id_parts`, as in the file (for rejects).
    pub id_part_names: Vec<String>,
    /// Header columns that would have been the id input but are not used,
    /// because [`ReadOptions::id_columns`] names the id's columns (a front end
    /// warns about them).
    pub id_overridden: Vec<String>,
    /// The survey weight column (`None`: no weights).
    pub weight: Option<WeightColumn>,
    /// Per input, the profile's settings for its cells (missing-value codes,
    /// value map, number format); empty when no profile sets any.
    pub cell_rules: Vec<Option<CellRules>>,
}

/// What joins the parts of a composite household id in outputs, rejects and
/// `explain --id`: `2020_000123` for the parts `2020` and `000123`. Chosen
/// because it reads well, is safe in a shell argument and is left alone by
/// spreadsheets (`-`, `/`, `:` and `.` turn `2020-5` into a date or `1.5`
/// into a number). A part that itself holds `_` makes the joined text
/// ambiguous to the eye (`a_b`+`c` and `a`+`b_c` both show `a_b_c`), never to
/// duplicate detection, which compares the parts.
pub const ID_SEPARATOR: u8 = b'_';

/// Default for `--max-field-bytes`: far above any real survey answer, small
/// enough that a runaway cell cannot exhaust memory.
pub const DEFAULT_MAX_FIELD_BYTES: usize = 1 << 20;

/// How long one record may grow while no record boundary is found (an
/// unclosed quote swallowing the rest of a file), for a given field limit.
pub fn max_record_bytes(max_field_bytes: usize) -> usize {
    max_field_bytes.saturating_mul(16).max(1 << 20)
}

impl Layout {
    /// Match header names to inputs: case-insensitive after trimming, after `--rename`.
    pub fn new(
        policy: &Policy,
        input: &Source,
        options: &ReadOptions,
    ) -> Result<Layout, InputError> {
        let all_renames = with_profile_renames(policy, input, options);
        let renames = rename_map(policy, &all_renames)?;
        let mut by_name = columns_by_name(input, &renames)?;
        let id_input = policy.fields.id_input;
        let profile = options.profile.as_deref();
        let id_columns = id_columns(input, &options.id_columns, profile)?;
        let mut id_overridden = Vec::new();
        if !id_columns.is_empty() {
            let id_name = policy.inputs.get(id_input).map(|i| i.name.to_lowercase());
            if let Some(c) = id_name.and_then(|n| by_name.remove(&n)) {
                if id_columns != [c] {
                    id_overridden.push(input.header[c].clone());
                }
            }
        }
        let matched = match_inputs(policy, input, &by_name, &id_columns, options)?;
        let (id_parts, id_part_names) = if id_columns.len() >= 2 {
            let names = id_columns
                .iter()
                .map(|&c| input.header[c].clone())
                .collect();
            (id_columns, names)
        } else {
            (Vec::new(), Vec::new())
        };
        let unused = input
            .header
            .iter()
            .zip(&matched.used)
            .filter(|(_, u)| !**u)
            .map(|(h, _)| h.clone())
            .collect();
        let weight = match &options.weight {
            Some(spec) => Some(weight_column(spec, input, &renames)?),
            None => None,
        };
        Ok(Layout {
            columns: matched.columns,
            field_count: input.header.len(),
            defaulted: matched.defaulted,
            unused,
            max_field_bytes: options.max_field_bytes,
            id_parts,
            id_part_names,
            id_overridden,
            weight,
            cell_rules: profile.map(|p| p.cell_rules(policy)).unwrap_or_default(),
        })
    }
}

/// The command line's renames, then the profile's for this header (the
/// command line wins: a column it renames, or an input it renames a column
/// onto, is left alone by the profile).
fn with_profile_renames(
    policy: &Policy,
    input: &Source,
    options: &ReadOptions,
) -> Vec<(String, String)> {
    let mut all = options.renames.clone();
    if let Some(profile) = &options.profile {
        let taken = |from: &str, to: &str| {
            options
                .renames
                .iter()
                .any(|(f, t)| f.eq_ignore_ascii_case(from) || t.eq_ignore_ascii_case(to))
        };
        all.extend(profile.renames_for(policy, &input.header, &taken));
    }
    all
}

/// The renames by FROM in lower case, as (FROM as typed, TO); a rename to a
/// name that is no input is an error.
fn rename_map<'o>(
    policy: &Policy,
    renames: &'o [(String, String)],
) -> Result<HashMap<String, (&'o str, &'o str)>, InputError> {
    let mut map: HashMap<String, (&str, &str)> = HashMap::new();
    for (from, to) in renames {
        if policy.input(to).is_none() {
            let names: Vec<&str> = policy.inputs.iter().map(|i| i.name.as_str()).collect();
            let suggestion = crate::expr::suggest(to, names.iter().copied()).map(str::to_string);
            return Err(InputError::Rename {
                from: from.clone(),
                to: to.clone(),
                problem: Box::new(RenameProblem::NoSuchInput { suggestion }),
            });
        }
        map.insert(from.to_lowercase(), (from.as_str(), to.as_str()));
    }
    Ok(map)
}

/// The header's columns by name in lower case, after the renames; a name
/// twice is an error.
fn columns_by_name(
    input: &Source,
    renames: &HashMap<String, (&str, &str)>,
) -> Result<HashMap<String, usize>, InputError> {
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for (i, h) in input.header.iter().enumerate() {
        let key = h.to_lowercase();
        let key = renames.get(&key).map_or(key, |(_, to)| to.to_lowercase());
        if let Some(&first) = by_name.get(&key) {
            return Err(duplicate_column(input, renames, first, i));
        }
        by_name.insert(key, i);
    }
    Ok(by_name)
}

/// Each input's column, the inputs left to their defaults and the columns used.
struct MatchedInputs {
    columns: Vec<Option<usize>>,
    defaulted: Vec<String>,
    used: Vec<bool>,
}

/// Give each input its column (the id input its `id_columns`, when given); a
/// required input without a column is an error.
fn match_inputs(
    policy: &Policy,
    input: &Source,
    by_name: &HashMap<String, usize>,
    id_columns: &[usize],
    options: &ReadOptions,
) -> Result<MatchedInputs, InputError> {
    let id_input = policy.fields.id_input;
    let mut columns = Vec::with_capacity(policy.inputs.len());
    let mut defaulted = Vec::new();
    let mut required_missing = Vec::new();
    let mut used = vec![false; input.header.len()];
    for (i, inp) in policy.inputs.iter().enumerate() {
        if i == id_input && !id_columns.is_empty() {
            for &c in id_columns {
                used[c] = true;
            }
            columns.push(match id_columns {
                [one] => Some(*one),
                _ => None,
            });
            continue;
        }
        match by_name.get(&inp.name.to_lowercase()) {
            Some(&c) => {
                used[c] = true;
                columns.push(Some(c));
            }
            None if inp.required => {
                required_missing.push(inp.name.clone());
                columns.push(None);
            }
            None => {
                // An input declared `warn_if_missing = false` (what a
                // household already receives) is quietly defaulted.
                if inp.warn_if_missing {
                    defaulted.push(inp.name.clone());
                }
                columns.push(None);
            }
        }
    }
    // A header read as one column with another delimiter in it: the
    // delimiter is the problem, not the columns.
    if let (Some(first), Some(_)) = (required_missing.first(), input.delimiter_hint) {
        return Err(missing_column(first, input));
    }
    match (required_missing.as_slice(), options.require_columns) {
        ([], false) => {}
        ([one], false) => return Err(missing_column(one, input)),
        (_, require) if require && required_missing.is_empty() && defaulted.is_empty() => {}
        (_, require) => {
            let profile = options.profile.as_deref();
            let suggest = |names: &[String]| {
                names
                    .iter()
                    .map(|n| (n.clone(), suggest_header(n, input, profile)))
                    .collect()
            };
            return Err(InputError::MissingColumns {
                file: input.name.clone(),
                required: suggest(&required_missing),
                optional: if require {
                    suggest(&defaulted)
                } else {
                    Vec::new()
                },
                found: list_names(&input.header),
            });
        }
    }
    Ok(MatchedInputs {
        columns,
        defaulted,
        used,
    })
}

/// The weight column of `spec`, found under the header's names or their renames.
fn weight_column(
    spec: &WeightSpec,
    input: &Source,
    renames: &HashMap<String, (&str, &str)>,
) -> Result<WeightColumn, InputError> {
    let renamed: Vec<Option<&str>> = input
        .header
        .iter()
        .map(|h| renames.get(&h.to_lowercase()).map(|(_, to)| *to))
        .collect();
    WeightColumn::resolve(spec, &input.name, &input.header, &renamed)
}

/// The header columns of `names` (matched as inputs are: case-insensitive,
/// trimmed), in order; every name the header lacks is one error.
fn id_columns(
    input: &Source,
    names: &[String],
    profile: Option<&Profile>,
) -> Result<Vec<usize>, InputError> {
    let mut columns = Vec::with_capacity(names.len());
    let mut missing = Vec::new();
    for name in names {
        let wanted = name.trim().to_lowercase();
        let found = input
            .header
            .iter()
            .position(|h| h.to_lowercase() == wanted)
            .or_else(|| {
                let p = profile?;
                input
                    .header
                    .iter()
                    .position(|h| p.stripped(h).to_lowercase() == wanted)
            });
        match found {
            Some(c) => columns.push(c),
            None => missing.push((
                excerpt(name.as_bytes(), 60),
                suggest_column(name.trim(), &input.header).map(|s| excerpt(s.as_bytes(), 60)),
            )),
        }
    }
    if missing.is_empty() {
        Ok(columns)
    } else {
        Err(InputError::IdColumns {
            file: input.name.clone(),
            missing,
            found: list_names(&input.header),
        })
    }
}

/// The error for header columns `first` and `second` that map to one input.
fn duplicate_column(
    input: &Source,
    renames: &HashMap<String, (&str, &str)>,
    first: usize,
    second: usize,
) -> InputError {
    let name = |c: usize| excerpt(input.header[c].as_bytes(), 60);
    let renamed = |c: usize| renames.get(&input.header[c].to_lowercase()).copied();
    // Blame the rename that made the clash (the later column's, if both are renamed).
    let Some((from, to)) = renamed(second).or_else(|| renamed(first)) else {
        return InputError::DuplicateColumn {
            file: input.name.clone(),
            line: input.header_line,
            column: name(second),
            first: first + 1,
            second: second + 1,
        };
    };
    let clashing = |c: usize| ClashingColumn {
        name: name(c),
        column: c + 1,
        renamed_by: renamed(c).map(|(f, t)| (f.to_string(), t.to_string())),
    };
    InputError::Rename {
        from: from.to_string(),
        to: to.to_string(),
        problem: Box::new(RenameProblem::Clash {
            first: clashing(first),
            second: clashing(second),
        }),
    }
}

/// The error for a required input `column` that the header of `input` lacks.
fn missing_column(column: &str, input: &Source) -> InputError {
    let suggestion = match input.delimiter_hint {
        Some(_) => None,
        None => suggest_column(column, &input.header).map(|s| excerpt(s.as_bytes(), 60)),
    };
    InputError::MissingColumn {
        file: input.name.clone(),
        column: column.to_string(),
        found: list_names(&input.header),
        suggestion,
        delimiter_hint: input.delimiter_hint,
    }
}

/// The header name (quoted safely) that input `name` most likely is: the
/// nearest by spelling, or with a profile, the nearest once its prefixes
/// are stripped, or a column whose name means the same
/// ([`profile::synonym_column`]).
fn suggest_header(name: &str, input: &Source, profile: Option<&Profile>) -> Option<String> {
    if input.delimiter_hint.is_some() {
        return None;
    }
    let stripped: Vec<String> = match profile {
        Some(p) => input
            .header
            .iter()
            .map(|h| p.stripped(h).to_string())
            .collect(),
        None => Vec::new(),
    };
    let found = suggest_column(name, &input.header)
        .or_else(|| {
            let s = suggest_column(name, &stripped)?;
            let at = stripped.iter().position(|h| h == s)?;
            Some(input.header[at].as_str())
        })
        .or_else(|| profile::synonym_column(name, &input.header).map(|c| input.header[c].as_str()));
    found.map(|s| excerpt(s.as_bytes(), 60))
}

/// The header name nearest to `column`, as [`crate::expr::suggest`] finds it,
/// skipping names too long to be near (so that a header of a million names,
/// or of one huge name, costs no more than reading it).
fn suggest_column<'h>(column: &str, header: &'h [String]) -> Option<&'h str> {
    // `suggest` accepts at most len/3 edits, and a character has at most 4 bytes.
    let longest = 4 * (column.chars().count() + column.chars().count() / 3 + 1);
    crate::expr::suggest(
        column,
        header
            .iter()
            .map(String::as_str)
            .filter(|h| h.len() <= longest),
    )
}
