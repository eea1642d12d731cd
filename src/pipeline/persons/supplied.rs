//! A household's supplied cells (the values its persons give): handed to
//! the household row parser as values ([`crate::input::record::Fields::typed`])
//! where its text would read to exactly that value, and written as text only
//! when something reads the text (a reject, `explain`, a `--by` group, or a
//! value the parser would reject, so that its reject is today's).

use std::cell::{Cell, OnceCell, RefCell};

use crate::input::RowParser;
use crate::policy::persons::{Output, Persons, Reduced, Reduction};

/// Below 10^15, an integer's digits read back exactly (`cell::parse_integer`
/// and `cell::parse_number` read up to 15 digits as an integer).
const EXACT_LIMIT: i128 = 1_000_000_000_000_000;

/// 10^k, exact in `f64`, for the scales [`Conv::value`] takes.
const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// How the household parser reads a supplied input's text, for the values
/// that can skip it.
#[derive(Debug, Clone)]
enum Conv {
    /// Always read from the text.
    Text,
    /// A plain integer or number input and its range.
    Number { integer: bool, min: f64, max: f64 },
    /// The parser's value of `false` and `true`.
    Bool([Option<f64>; 2]),
    /// The parser's value of each name of the reducer's output enum.
    Enum(Vec<Option<f64>>),
}

impl Conv {
    fn new(parser: &RowParser<'_>, persons: &Persons, k: usize) -> Conv {
        let (Some(&input), Some(output)) = (persons.supplied.get(k), persons.output(k)) else {
            return Conv::Text;
        };
        if let Some((integer, min, max)) = parser.plain_number(input) {
            return Conv::Number { integer, min, max };
        }
        match output {
            Output::Bool => Conv::Bool([
                parser.input_value(input, b"false"),
                parser.input_value(input, b"true"),
            ]),
            Output::Enum(names) => Conv::Enum(
                names
                    .iter()
                    .map(|n| parser.input_value(input, n.as_bytes()))
                    .collect(),
            ),
            Output::Integer | Output::Decimal => Conv::Text,
        }
    }

    /// [`Conv::value`] of `Reduced::Count(n)`, the usual supplied value.
    #[inline(always)]
    fn count(&self, n: u8) -> Option<f64> {
        match *self {
            Conv::Number { min, max, .. } => {
                let v = f64::from(n);
                (v >= min && v <= max).then_some(v)
            }
            _ => None,
        }
    }

    /// The value the parser reads from the text of `value` (written as
    /// `output` says), when it surely reads it without a reject; else `None`.
    #[inline(always)]
    fn value(&self, value: Reduced, output: &Output) -> Option<f64> {
        let in_range = |v: f64, min: f64, max: f64| (v >= min && v <= max).then_some(v);
        match (self, value) {
            (&Conv::Number { min, max, .. }, Reduced::Count(n)) => {
                let n = i128::from(n);
                (n < EXACT_LIMIT).then(|| in_range(n as f64, min, max))?
            }
            (&Conv::Number { integer, min, max }, Reduced::Exact(d)) => {
                let (m, scale) = d.parts();
                if m.abs() >= EXACT_LIMIT {
                    return None;
                }
                // Below 10^15: through i64, one instruction (an i128 to f64
                // is a call).
                let m = m as i64 as f64;
                let v = match scale {
                    0 => m,
                    // Both exact in `f64`: one division is correctly
                    // rounded, the value of a full decimal parse.
                    1..=15 if !integer => m / POW10[scale as usize],
                    _ => return None,
                };
                in_range(v, min, max)
            }
            (&Conv::Number { min, max, .. }, Reduced::Float(v))
                if matches!(output, Output::Integer | Output::Decimal) =>
            {
                // A whole number is written as digits (`-0` as `0`).
                let whole = v.abs() < EXACT_LIMIT as f64 && v as i64 as f64 == v;
                whole.then(|| in_range(v as i64 as f64, min, max))?
            }
            (Conv::Bool(values), Reduced::Flag(b)) => values[usize::from(b)],
            (Conv::Bool(values), Reduced::Float(v)) if *output == Output::Bool => {
                values[usize::from(v != 0.0)]
            }
            (Conv::Enum(values), Reduced::Float(v)) if v >= 0.0 => {
                values.get(v as usize).copied().flatten()
            }
            _ => None,
        }
    }
}

/// The supplied cells of the household being read; reused.
#[derive(Debug)]
pub(crate) struct Supplied {
    convs: Vec<Conv>,
    /// Per supplied input: its value when the parser may take it as held.
    typed: Vec<Option<f64>>,
    /// Per supplied input: the persons' value, for its text (a household
    /// folded here).
    values: Vec<Reduced>,
    /// The values of a household folded on the first pass, as stored
    /// ([`Reduced::encode`]): read again only for a text.
    encoded: Vec<u8>,
    /// The values are in `encoded`, not `values`.
    from_encoded: bool,
    /// Per supplied input: its text, once something asked for it.
    texts: Vec<OnceCell<Vec<u8>>>,
    /// Buffers of earlier households' texts, for the next ones.
    spare: RefCell<Vec<Vec<u8>>>,
    /// Some text was written since the last [`Supplied::clear`].
    written: Cell<bool>,
    /// The household is rejected: its supplied cells are empty.
    failed: bool,
    /// An upper bound on a supplied cell's length.
    longest: usize,
}

impl Supplied {
    pub(crate) fn new(parser: &RowParser<'_>, persons: &Persons) -> Supplied {
        let n = persons.supplied.len();
        // Digits of an i128 with sign and point, or a shortest `f64`; an
        // enum's longest name; a default's text.
        let longest = (0..n)
            .map(|k| match persons.output(k) {
                Some(Output::Enum(names)) => names.iter().map(String::len).max().unwrap_or(0),
                _ => 0,
            })
            .chain(
                persons
                    .reducers
                    .iter()
                    .map(|r| r.if_none.as_ref().map_or(0, Vec::len)),
            )
            .fold(48, usize::max);
        Supplied {
            convs: (0..n).map(|k| Conv::new(parser, persons, k)).collect(),
            typed: vec![None; n],
            values: vec![Reduced::IfNone; n],
            encoded: Vec::new(),
            from_encoded: false,
            texts: (0..n).map(|_| OnceCell::new()).collect(),
            spare: RefCell::new(Vec::new()),
            written: Cell::new(false),
            failed: true,
            longest,
        }
    }

    /// Forget the last household's cells (keeping their buffers).
    pub(crate) fn clear(&mut self) {
        if self.written.replace(false) {
            let spare = self.spare.get_mut();
            for t in &mut self.texts {
                if let Some(mut text) = t.take() {
                    text.clear();
                    spare.push(text);
                }
            }
        }
        self.typed.fill(None);
        self.failed = true;
    }

    /// The household's persons gave every value (after a check without
    /// problem): note the ones the parser may take as held.
    pub(crate) fn set(&mut self, persons: &Persons, r: &Reduction) {
        self.failed = false;
        self.from_encoded = false;
        for (((slot, conv), typed), (value, output)) in self
            .values
            .iter_mut()
            .zip(&self.convs)
            .zip(&mut self.typed)
            .zip(persons.each_reduced(r))
        {
            *slot = value;
            *typed = conv.value(value, output);
        }
    }

    /// [`Supplied::set`] from a household's values folded on the first
    /// pass (`pipeline::persons::once`), as stored.
    pub(crate) fn set_encoded(&mut self, encoded: &[u8], persons: &Persons) {
        self.failed = false;
        self.from_encoded = true;
        self.encoded.clear();
        self.encoded.extend_from_slice(encoded);
        let mut at = 0;
        for (k, (conv, typed)) in self.convs.iter().zip(&mut self.typed).enumerate() {
            if let Some(n) = Reduced::decode_small_count(encoded, &mut at) {
                *typed = conv.count(n);
                continue;
            }
            let (Some(value), Some(output)) =
                (Reduced::decode(encoded, &mut at), persons.output(k))
            else {
                break;
            };
            *typed = conv.value(value, output);
        }
    }

    /// The `k`-th supplied input's value.
    fn value(&self, k: usize) -> Option<Reduced> {
        if !self.from_encoded {
            return self.values.get(k).copied();
        }
        let mut at = 0;
        let mut value = None;
        for _ in 0..=k {
            value = Some(Reduced::decode(&self.encoded, &mut at)?);
        }
        value
    }

    /// The `k`-th supplied cell's value when held as one.
    #[inline]
    pub(crate) fn typed(&self, k: usize) -> Option<f64> {
        self.typed.get(k).copied().flatten()
    }

    /// The `k`-th supplied cell's text, written on first use.
    pub(crate) fn text(&self, persons: &Persons, k: usize) -> &[u8] {
        if self.failed {
            return b"";
        }
        let Some(cell) = self.texts.get(k) else {
            return b"";
        };
        cell.get_or_init(|| {
            self.written.set(true);
            let mut text = self.spare.borrow_mut().pop().unwrap_or_default();
            if let Some(value) = self.value(k) {
                persons.write_reduced(k, value, &mut text);
            }
            text
        })
    }

    /// An upper bound on the total length of the supplied cells.
    pub(crate) fn byte_len(&self) -> usize {
        self.texts.len() * self.longest
    }
}

#[cfg(test)]
mod tests {
    use super::{Conv, Output, Reduced};
    use crate::input::cell;
    use crate::policy::persons::Dec;

    /// A decimal handed as a value is the value the parser reads from its
    /// text, or `None` (the text is read) when it might not be.
    #[test]
    fn decimals_as_values_are_their_texts_parsed() {
        let number = Conv::Number {
            integer: false,
            min: f64::NEG_INFINITY,
            max: f64::INFINITY,
        };
        let integer = Conv::Number {
            integer: true,
            min: -5.0,
            max: 1e20,
        };
        let mut texts: Vec<String> = Vec::new();
        for m in [
            0i64,
            1,
            3,
            7,
            10,
            99,
            12345,
            999_999_999_999_999,
            4_503_599_627_370_497,
        ] {
            for scale in 0..=17usize {
                let digits = m.to_string();
                let text = if scale == 0 {
                    digits
                } else if digits.len() <= scale {
                    format!("0.{}{digits}", "0".repeat(scale - digits.len()))
                } else {
                    let (a, b) = digits.split_at(digits.len() - scale);
                    format!("{a}.{b}")
                };
                texts.push(format!("-{text}"));
                texts.push(text);
            }
        }
        for text in &texts {
            let d = Dec::parse(text.as_bytes()).expect("a decimal");
            let mut written = Vec::new();
            d.write(&mut written);
            for conv in [&number, &integer] {
                let Some(v) = conv.value(Reduced::Exact(d), &Output::Decimal) else {
                    continue;
                };
                let parsed = match conv {
                    Conv::Number { integer: true, .. } => cell::parse_integer(&written),
                    _ => cell::parse_number(&written),
                };
                assert_eq!(parsed.map(f64::to_bits), Ok(v.to_bits()), "{text}");
                let Conv::Number { min, max, .. } = *conv else {
                    unreachable!()
                };
                assert!(v >= min && v <= max, "{text}");
            }
        }
        // Out of range, or decimals for an integer: the text is read.
        let below = Dec::parse(b"-6").expect("a decimal");
        assert_eq!(integer.value(Reduced::Exact(below), &Output::Integer), None);
        let half = Dec::parse(b"0.5").expect("a decimal");
        assert_eq!(integer.value(Reduced::Exact(half), &Output::Integer), None);
        assert_eq!(
            integer.value(Reduced::Count(3), &Output::Integer),
            Some(3.0)
        );
        // The short way for small counts gives what `value` gives.
        let flags = Conv::Bool([Some(0.0), Some(1.0)]);
        for conv in [&number, &integer, &flags, &Conv::Text] {
            for n in 0..128u8 {
                let want = conv.value(Reduced::Count(u64::from(n)), &Output::Integer);
                assert_eq!(conv.count(n), want, "{n}");
            }
        }
        assert_eq!(integer.value(Reduced::IfNone, &Output::Integer), None);
        // A computed value: whole numbers only, `-0` as `0`.
        assert_eq!(
            number
                .value(Reduced::Float(-0.0), &Output::Decimal)
                .map(f64::to_bits),
            Some(0f64.to_bits())
        );
        assert_eq!(number.value(Reduced::Float(2.5), &Output::Decimal), None);
        let flags = Conv::Bool([Some(0.0), Some(1.0)]);
        assert_eq!(flags.value(Reduced::Flag(true), &Output::Bool), Some(1.0));
        assert_eq!(flags.value(Reduced::Float(0.0), &Output::Bool), Some(0.0));
        let names = Conv::Enum(vec![Some(3.0), None]);
        assert_eq!(
            names.value(Reduced::Float(0.0), &Output::Integer),
            Some(3.0)
        );
        assert_eq!(names.value(Reduced::Float(1.0), &Output::Integer), None);
        assert_eq!(names.value(Reduced::Float(2.0), &Output::Integer), None);
    }
}
