//! Survey weights (`--weight COLUMN`, `--weight-scale FACTOR`): which column
//! holds each household's weight, and reading it from a row exactly.
//!
//! A weight is a decimal cell (digits, optionally `.` and fraction digits, as
//! numbers are everywhere else) times the scale, kept as an integer number of
//! [`WEIGHT_UNIT`]ths: nine decimal places, rounded half up beyond them. Sums
//! of weights are then sums of integers, exact and the same in any order (so
//! for any thread count), and the decision file shows the weight as it was
//! used, with no binary floating-point noise.
//!
//! A weight must be positive and at most [`MAX_WEIGHT`]: an empty cell is
//! `missing_required`, a cell that is not a number `invalid_value`, zero, a
//! negative or a larger number `out_of_range`; the reject names the weight
//! column and quotes the cell.

use std::fmt;

use super::{
    CELL_EXCERPT_BYTES, Fields, InputError, Reject, RejectCode, RowParser, cell, excerpt,
    list_names,
};

/// Units of a weight per 1: weights are kept to nine decimal places.
pub const WEIGHT_UNIT: u64 = 1_000_000_000;

/// The largest weight (after scaling): far above any household's sampling
/// weight, and small enough that every weight, in [`WEIGHT_UNIT`]s, fits a `u64`.
pub const MAX_WEIGHT: u64 = 10_000_000_000;

/// Fraction digits of a weight cell that are read; later ones are dropped
/// (they are far below the nine decimal places kept).
const CELL_FRACTION_DIGITS: u32 = 18;

/// Fraction digits a scale may have.
const SCALE_FRACTION_DIGITS: u32 = 9;

/// A positive decimal factor every weight is multiplied by, exact:
/// `mantissa / 10^decimals`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    mantissa: u64,
    decimals: u32,
}

impl Default for Scale {
    fn default() -> Self {
        Scale::ONE
    }
}

/// Why a scale is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "expected a positive decimal number with at most {SCALE_FRACTION_DIGITS} decimal places, e.g. 0.01 for weights stored with two implied decimals"
)]
pub struct ScaleError;

impl Scale {
    /// 1: weights as read.
    pub const ONE: Scale = Scale {
        mantissa: 1,
        decimals: 0,
    };

    /// Parse a scale: digits, optionally `.` and fraction digits, above zero.
    ///
    /// ```
    /// use layak::input::Scale;
    /// assert_eq!(Scale::parse("0.01").unwrap().to_string(), "0.01");
    /// assert_eq!(Scale::parse("1.50").unwrap().to_string(), "1.5");
    /// assert!(Scale::parse("0").is_err() && Scale::parse("1e-2").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Scale, ScaleError> {
        let (int, frac) = split_decimal(text.trim().as_bytes()).ok_or(ScaleError)?;
        let frac = trim_trailing_zeros(frac);
        if frac.len() > SCALE_FRACTION_DIGITS as usize {
            return Err(ScaleError);
        }
        let mut mantissa: u64 = 0;
        for &d in int.iter().chain(frac) {
            mantissa = mantissa
                .checked_mul(10)
                .and_then(|m| m.checked_add(u64::from(d - b'0')))
                .ok_or(ScaleError)?;
        }
        if mantissa == 0 {
            return Err(ScaleError);
        }
        Ok(Scale {
            mantissa,
            decimals: frac.len() as u32,
        })
    }

    /// The scale as an `f64` (for a JSON number).
    pub fn as_f64(self) -> f64 {
        self.to_string().parse().unwrap_or(f64::NAN)
    }

    /// The scale when it is a whole number.
    pub fn as_whole(self) -> Option<u64> {
        (self.decimals == 0).then_some(self.mantissa)
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Vec::new();
        write_decimal(u128::from(self.mantissa), self.decimals, &mut out);
        f.write_str(&String::from_utf8_lossy(&out))
    }
}

/// What the user asked for: the weight column's name and the scale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightSpec {
    /// The column's name as given (matched like an input's name, after renames).
    pub column: String,
    pub scale: Scale,
}

/// The weight column found in a file's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightColumn {
    /// Its index in every row.
    pub index: usize,
    /// Its name as the header spells it (or as a rename names it): the
    /// `column` of its rejects.
    pub name: String,
    pub scale: Scale,
}

impl WeightColumn {
    /// Find `spec.column` among the header's names (case-insensitively,
    /// trimmed): first as the renames name the columns, then as the file does.
    /// `renamed[c]` is the name a rename gives column `c`, if any.
    pub(super) fn resolve(
        spec: &WeightSpec,
        file: &str,
        header: &[String],
        renamed: &[Option<&str>],
    ) -> Result<WeightColumn, InputError> {
        let wanted = spec.column.trim().to_lowercase();
        let effective = |c: usize| renamed.get(c).copied().flatten().unwrap_or(&header[c]);
        let found = (0..header.len())
            .find(|&c| effective(c).to_lowercase() == wanted)
            .or_else(|| header.iter().position(|h| h.to_lowercase() == wanted));
        match found {
            Some(index) => Ok(WeightColumn {
                index,
                name: excerpt(effective(index).as_bytes(), 60),
                scale: spec.scale,
            }),
            None => {
                let suggestion = crate::expr::suggest(
                    &wanted,
                    header
                        .iter()
                        .map(String::as_str)
                        .filter(|h| h.len() <= 4 * (wanted.len() + 4)),
                )
                .map(|s| excerpt(s.as_bytes(), 60));
                Err(InputError::NoWeightColumn {
                    file: file.to_string(),
                    column: excerpt(spec.column.as_bytes(), 60),
                    found: list_names(header),
                    suggestion,
                })
            }
        }
    }
}

/// What is wrong with a weight cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    Empty,
    NotNumber,
    NotPositive,
    TooLarge,
}

/// A weight cell (trimmed) times `scale`, in [`WEIGHT_UNIT`]s, rounded
/// half up.
///
/// ```
/// use layak::input::{Scale, parse_weight};
/// let hundredths = Scale::parse("0.01").unwrap();
/// assert_eq!(parse_weight(b"12345", hundredths), Some(123_450_000_000));
/// assert_eq!(parse_weight(b"2.5", Scale::ONE), Some(2_500_000_000));
/// assert_eq!(parse_weight(b"0", Scale::ONE), None);
/// ```
pub fn parse_weight(raw: &[u8], scale: Scale) -> Option<u64> {
    weight_units(raw, scale).ok()
}

fn weight_units(raw: &[u8], scale: Scale) -> Result<u64, Problem> {
    if raw.is_empty() {
        return Err(Problem::Empty);
    }
    let (negative, digits) = match raw.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, raw),
    };
    let (int, frac) = split_decimal(digits).ok_or(Problem::NotNumber)?;
    if negative {
        return Err(Problem::NotPositive);
    }
    let int = trim_leading_zeros(int);
    let frac = trim_trailing_zeros(frac);
    let frac = &frac[..frac.len().min(CELL_FRACTION_DIGITS as usize)];
    // 20 integer digits and 18 fraction digits fit a u128 (< 10^38).
    if int.len() > 20 {
        return Err(Problem::TooLarge);
    }
    let mut cell: u128 = 0;
    for &d in int.iter().chain(frac) {
        cell = cell * 10 + u128::from(d - b'0');
    }
    // units = cell × mantissa × 10^(9 − f − g), f + g fraction digits.
    let shift = 9 - frac.len() as i32 - scale.decimals as i32;
    let product = cell
        .checked_mul(u128::from(scale.mantissa))
        .ok_or(Problem::TooLarge)?;
    let units = if shift >= 0 {
        product
            .checked_mul(10u128.pow(shift as u32))
            .ok_or(Problem::TooLarge)?
    } else {
        let d = 10u128.pow((-shift) as u32);
        let (q, r) = (product / d, product % d);
        q + u128::from(2 * r >= d)
    };
    if units == 0 {
        return Err(Problem::NotPositive);
    }
    if units > u128::from(MAX_WEIGHT) * u128::from(WEIGHT_UNIT) {
        return Err(Problem::TooLarge);
    }
    // At most 10^19 < 2^64.
    Ok(units as u64)
}

/// `digits` as `(integer digits, fraction digits)` when it is a plain
/// decimal: digits, then optionally `.` and at least one digit.
fn split_decimal(digits: &[u8]) -> Option<(&[u8], &[u8])> {
    let (int, frac) = match digits.iter().position(|&b| b == b'.') {
        Some(p) => (&digits[..p], &digits[p + 1..]),
        None => (digits, &digits[digits.len()..]),
    };
    let all_digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    let point = int.len() < digits.len();
    (!int.is_empty() && all_digits(int) && all_digits(frac) && !(point && frac.is_empty()))
        .then_some((int, frac))
}

fn trim_leading_zeros(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| b != b'0').unwrap_or(s.len());
    &s[start..]
}

fn trim_trailing_zeros(s: &[u8]) -> &[u8] {
    let end = s.iter().rposition(|&b| b != b'0').map_or(0, |p| p + 1);
    &s[..end]
}

/// Write `mantissa / 10^decimals` exactly, without trailing zeros after the
/// point (`123.45`, `100`, `0.5`).
fn write_decimal(mantissa: u128, decimals: u32, out: &mut Vec<u8>) {
    let pow = 10u128.pow(decimals);
    let (int, mut frac) = (mantissa / pow, mantissa % pow);
    out.extend_from_slice(int.to_string().as_bytes());
    if frac == 0 {
        return;
    }
    let mut digits = decimals;
    while frac % 10 == 0 {
        frac /= 10;
        digits -= 1;
    }
    out.push(b'.');
    let text = frac.to_string();
    out.extend(std::iter::repeat_n(b'0', digits as usize - text.len()));
    out.extend_from_slice(text.as_bytes());
}

/// Write a weight of `units` [`WEIGHT_UNIT`]s exactly, as a CSV cell or a
/// JSON number (`123.45`, `100`).
///
/// ```
/// let mut out = Vec::new();
/// layak::input::write_weight(123_450_000_000, &mut out);
/// assert_eq!(out, b"123.45");
/// ```
pub fn write_weight(units: u64, out: &mut Vec<u8>) {
    write_decimal(u128::from(units), 9, out);
}

impl RowParser<'_> {
    /// The row's survey weight in [`WEIGHT_UNIT`]s (`None` without a weight
    /// column), or the reject for its cell. Call it on a row with the
    /// header's number of fields, after [`RowParser::parse`].
    pub fn weight<R: Fields + ?Sized>(
        &self,
        record: &R,
        line: u64,
    ) -> Result<Option<u64>, Box<Reject>> {
        let Some(w) = &self.layout().weight else {
            return Ok(None);
        };
        let raw = record.get(w.index).map_or(&b""[..], cell::trim);
        match weight_units(raw, w.scale) {
            Ok(units) => Ok(Some(units)),
            Err(problem) => Err(self.weight_reject(record, line, w, raw, problem)),
        }
    }

    #[cold]
    fn weight_reject<R: Fields + ?Sized>(
        &self,
        record: &R,
        line: u64,
        w: &WeightColumn,
        raw: &[u8],
        problem: Problem,
    ) -> Box<Reject> {
        let v = excerpt(raw, CELL_EXCERPT_BYTES);
        let scaled = if w.scale == Scale::ONE {
            String::new()
        } else {
            format!(" (after scaling by {})", w.scale)
        };
        let (code, message) = match problem {
            Problem::Empty => (
                RejectCode::MissingRequired,
                format!(
                    "the survey weight `{}` is required but the cell is empty",
                    w.name
                ),
            ),
            Problem::NotNumber => (
                RejectCode::InvalidValue,
                format!(
                    "`{v}` is not a number: a survey weight is digits with an optional `.` and fraction, e.g. 123.45 (no thousands separators, signs or exponents)"
                ),
            ),
            Problem::NotPositive => (
                RejectCode::OutOfRange,
                format!("`{v}` is out of range: a survey weight must be > 0{scaled}"),
            ),
            Problem::TooLarge => (
                RejectCode::OutOfRange,
                format!("`{v}` is out of range: a survey weight must be ≤ {MAX_WEIGHT}{scaled}"),
            ),
        };
        Box::new(Reject {
            line,
            household_id: self.id_string(record),
            column: w.name.clone(),
            value: String::from_utf8_lossy(raw).into_owned(),
            code,
            message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(cell: &str, scale: &str) -> Result<u64, Problem> {
        weight_units(cell.as_bytes(), Scale::parse(scale).unwrap())
    }

    #[test]
    fn weights_are_exact_decimals_in_billionths() {
        assert_eq!(units("1", "1"), Ok(WEIGHT_UNIT));
        assert_eq!(units("0012345", "0.01"), Ok(123_450_000_000));
        assert_eq!(units("123.456789", "1"), Ok(123_456_789_000));
        assert_eq!(units("0.000000001", "1"), Ok(1));
        assert_eq!(units("2.50", "2"), Ok(5 * WEIGHT_UNIT));
        // Beyond nine decimal places: rounded half up.
        assert_eq!(units("0.0000000005", "1"), Ok(1));
        assert_eq!(units("0.0000000015", "1"), Ok(2));
        assert_eq!(units("0.00000000149", "1"), Ok(1));
        assert_eq!(units("1.5", "0.000000001"), Ok(2));
        assert_eq!(units("10000000000", "1"), Ok(MAX_WEIGHT * WEIGHT_UNIT));
    }

    #[test]
    fn bad_weights_are_named() {
        assert_eq!(units("", "1"), Err(Problem::Empty));
        for bad in [
            "abc", "1e3", "NaN", "inf", "1,5", "+2", ".5", "5.", "1.2.3", " ",
        ] {
            assert_eq!(units(bad, "1"), Err(Problem::NotNumber), "{bad}");
        }
        for bad in ["0", "0.0", "-0", "-3", "-1.5", "0.0000000004"] {
            assert_eq!(units(bad, "1"), Err(Problem::NotPositive), "{bad}");
        }
        assert_eq!(units("-x", "1"), Err(Problem::NotNumber));
        for big in [
            "10000000000.000000001",
            "1e400",
            "99999999999999999999999999",
        ] {
            let got = units(big, "1");
            assert!(
                matches!(got, Err(Problem::TooLarge | Problem::NotNumber)),
                "{big}: {got:?}"
            );
        }
        assert_eq!(units("10000000001", "1"), Err(Problem::TooLarge));
        assert_eq!(units("2000000000", "10"), Err(Problem::TooLarge));
        assert_eq!(
            units("99999999999999999999.999999999999999999", "999999999"),
            Err(Problem::TooLarge)
        );
    }

    #[test]
    fn scales_are_positive_exact_decimals() {
        assert_eq!(Scale::parse("1"), Ok(Scale::ONE));
        assert_eq!(
            Scale::parse(" 0.010 ").map(|s| s.to_string()),
            Ok("0.01".into())
        );
        assert_eq!(Scale::parse("100").map(|s| s.as_whole()), Ok(Some(100)));
        assert_eq!(Scale::parse("0.5").map(|s| s.as_f64()), Ok(0.5));
        for bad in [
            "0",
            "0.000",
            "-1",
            "1e-2",
            "",
            "x",
            "0.0000000001",
            "99999999999999999999",
        ] {
            assert_eq!(Scale::parse(bad), Err(ScaleError), "{bad}");
        }
    }

    #[test]
    fn weights_are_written_as_used() {
        let text = |u: u64| {
            let mut out = Vec::new();
            write_weight(u, &mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(text(123_450_000_000), "123.45");
        assert_eq!(text(WEIGHT_UNIT), "1");
        assert_eq!(text(1), "0.000000001");
        assert_eq!(text(100 * WEIGHT_UNIT + 50_000_000), "100.05");
        assert_eq!(text(MAX_WEIGHT * WEIGHT_UNIT), "10000000000");
    }

    #[test]
    fn the_column_is_found_after_renames_then_as_the_file_names_it() {
        let header: Vec<String> = ["id", "HHWT", "wt"].iter().map(|s| s.to_string()).collect();
        let spec = |c: &str| WeightSpec {
            column: c.into(),
            scale: Scale::ONE,
        };
        let renamed = [None, None, Some("weight")];
        let found = WeightColumn::resolve(&spec("hhwt"), "f.csv", &header, &renamed).unwrap();
        assert_eq!((found.index, found.name.as_str()), (1, "HHWT"));
        let found = WeightColumn::resolve(&spec("Weight"), "f.csv", &header, &renamed).unwrap();
        assert_eq!((found.index, found.name.as_str()), (2, "weight"));
        let found = WeightColumn::resolve(&spec("wt"), "f.csv", &header, &renamed).unwrap();
        assert_eq!(found.index, 2);
        let err = WeightColumn::resolve(&spec("HHWTT"), "f.csv", &header, &renamed).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("did you mean `HHWT`?"), "{text}");
        assert!(text.contains("the header has: id, HHWT, wt"), "{text}");
    }
}
