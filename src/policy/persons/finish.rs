//! A household's reduced values: checked ([`Persons::check`]), as values
//! ([`Persons::reduced`]) and as the cell texts a household file would hold
//! ([`Persons::write_cell`], [`Persons::finish`]).

use super::Persons;
use super::{Acc, Dec, Output, ReduceProblem, ReduceProblemKind, Reducer, ReducerKind, Reduction};

/// A supplied input's reduced value, as [`Persons::write_cell`] writes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Reduced {
    /// `count`: digits.
    Count(u64),
    /// `any` / `all`: `true` / `false`.
    Flag(bool),
    /// An exact decimal of plain person inputs.
    Exact(Dec),
    /// A computed value, written as its reducer's output says.
    Float(f64),
    /// `min` / `max` that matched no person: the input's default text.
    IfNone,
}

impl Persons {
    /// The first problem of the reduction `r`, in `supplied` order: the
    /// problem [`Persons::finish`] returns.
    pub fn check(&self, r: &Reduction) -> Result<(), ReduceProblem> {
        for (red, acc) in self.reducers.iter().zip(&r.accs) {
            problem(red, acc)?;
        }
        Ok(())
    }

    /// Append every supplied input's value to `out` ([`Reduced::encode`]),
    /// checking each as [`Persons::check`] does, in one loop; false at the
    /// first problem (what was appended is then the caller's to drop).
    #[inline]
    pub(crate) fn encode_checked(&self, r: &Reduction, out: &mut Vec<u8>) -> bool {
        for (red, acc) in self.reducers.iter().zip(&r.accs) {
            if problem_kind(red, acc).is_some() {
                return false;
            }
            reduced(red, acc).encode(out);
        }
        true
    }

    /// The value of the `k`-th supplied input after a [`Persons::check`]
    /// without problem.
    #[inline]
    pub(crate) fn reduced(&self, r: &Reduction, k: usize) -> Option<Reduced> {
        Some(reduced(self.reducers.get(k)?, r.accs.get(k)?))
    }

    /// Every supplied input's value and output, in `supplied` order, after
    /// a [`Persons::check`] without problem.
    #[inline]
    pub(crate) fn each_reduced<'a>(
        &'a self,
        r: &'a Reduction,
    ) -> impl Iterator<Item = (Reduced, &'a Output)> + 'a {
        self.reducers
            .iter()
            .zip(&r.accs)
            .map(|(red, acc)| (reduced(red, acc), &red.output))
    }

    /// The output of the `k`-th supplied input's reducer.
    pub(crate) fn output(&self, k: usize) -> Option<&Output> {
        self.reducers.get(k).map(|red| &red.output)
    }

    /// Write the cell text of the `k`-th supplied input after a
    /// [`Persons::check`] without problem, exactly as a household file would
    /// hold the value (integers without a decimal point, money as an exact
    /// decimal, booleans `true`/`false`, enum values by name).
    pub fn write_cell(&self, r: &Reduction, k: usize, out: &mut Vec<u8>) {
        if let Some(value) = self.reduced(r, k) {
            self.write_reduced(k, value, out);
        }
    }

    /// Write `value`, the `k`-th supplied input's, as [`Persons::write_cell`] does.
    pub(crate) fn write_reduced(&self, k: usize, value: Reduced, out: &mut Vec<u8>) {
        let Some(red) = self.reducers.get(k) else {
            return;
        };
        match value {
            Reduced::Count(n) => crate::numfmt::write_u64(n, out),
            Reduced::Flag(b) => write_bool(b, out),
            Reduced::IfNone => out.extend_from_slice(red.if_none.as_deref().unwrap_or_default()),
            Reduced::Exact(d) => {
                d.write(out);
            }
            Reduced::Float(v) => {
                write_value(&red.output, v, out);
            }
        }
    }

    /// Write the cell text of every supplied input, in `supplied` order,
    /// into `out` (cleared first; `out.len() == supplied.len()`), as
    /// [`Persons::write_cell`] does. The first problem, in `supplied` order,
    /// is returned (and nothing written).
    pub fn finish(&self, r: &Reduction, out: &mut [Vec<u8>]) -> Result<(), ReduceProblem> {
        for cell in out.iter_mut() {
            cell.clear();
        }
        self.check(r)?;
        for (k, cell) in out.iter_mut().enumerate().take(self.reducers.len()) {
            self.write_cell(r, k, cell);
        }
        Ok(())
    }
}

impl Reduced {
    /// Append the value to `out` in a compact form that
    /// [`Reduced::decode`] reads back exactly: a count below 128 as its
    /// byte (the usual value: a household's persons of some kind); else a
    /// tag byte (128 and above), then a variable-length integer or the
    /// bits it needs.
    #[inline]
    pub(crate) fn encode(self, out: &mut Vec<u8>) {
        match self {
            // The usual value: one byte.
            Reduced::Count(n @ 0..0x80) => out.push(n as u8),
            Reduced::Count(n) => {
                out.push(TAG_COUNT);
                put_varint(n, out);
            }
            Reduced::Flag(b) => out.push(if b { TAG_TRUE } else { TAG_FALSE }),
            Reduced::Exact(d) => {
                let (m, scale) = d.parts();
                match i64::try_from(m) {
                    Ok(m) => {
                        out.push(TAG_EXACT);
                        // Zigzag: small magnitudes of either sign stay short.
                        put_varint(((m << 1) ^ (m >> 63)) as u64, out);
                    }
                    Err(_) => {
                        out.push(TAG_WIDE);
                        out.extend_from_slice(&m.to_le_bytes());
                    }
                }
                put_varint(u64::from(scale), out);
            }
            Reduced::Float(v) => match small_whole(v) {
                // An enum's index or a flag as a number: one byte, not eight.
                Some(n) => out.extend_from_slice(&[TAG_SMALL_FLOAT, n]),
                None => {
                    out.push(TAG_FLOAT);
                    out.extend_from_slice(&v.to_bits().to_le_bytes());
                }
            },
            Reduced::IfNone => out.push(TAG_NONE),
        }
    }

    /// A count below 128 at `data[*at..]` (the usual value, one byte), and
    /// `*at` past it; `None`, with `*at` left, for any other value.
    #[inline(always)]
    pub(crate) fn decode_small_count(data: &[u8], at: &mut usize) -> Option<u8> {
        match data.get(*at) {
            Some(&n) if n < TAG_COUNT => {
                *at += 1;
                Some(n)
            }
            _ => None,
        }
    }

    /// The value [`Reduced::encode`] wrote at `data[*at..]`, and `*at` past
    /// it; `None` for bytes it did not write.
    #[inline(always)]
    pub(crate) fn decode(data: &[u8], at: &mut usize) -> Option<Reduced> {
        let tag = *data.get(*at)?;
        *at += 1;
        Some(match tag {
            n @ 0..TAG_COUNT => Reduced::Count(u64::from(n)),
            TAG_COUNT => Reduced::Count(get_varint(data, at)?),
            TAG_FALSE => Reduced::Flag(false),
            TAG_TRUE => Reduced::Flag(true),
            TAG_EXACT => {
                let z = get_varint(data, at)?;
                let m = ((z >> 1) as i64) ^ -((z & 1) as i64);
                let scale = u32::try_from(get_varint(data, at)?).ok()?;
                Reduced::Exact(Dec::from_parts(i128::from(m), scale))
            }
            TAG_WIDE => {
                let bytes = data.get(*at..*at + 16)?;
                *at += 16;
                let m = i128::from_le_bytes(bytes.try_into().ok()?);
                let scale = u32::try_from(get_varint(data, at)?).ok()?;
                Reduced::Exact(Dec::from_parts(m, scale))
            }
            TAG_FLOAT => {
                let bytes = data.get(*at..*at + 8)?;
                *at += 8;
                Reduced::Float(f64::from_bits(u64::from_le_bytes(bytes.try_into().ok()?)))
            }
            TAG_NONE => Reduced::IfNone,
            TAG_SMALL_FLOAT => {
                let n = *data.get(*at)?;
                *at += 1;
                Reduced::Float(f64::from(n))
            }
            _ => return None,
        })
    }
}

/// The tags: every byte below the first is a small count by itself.
const TAG_COUNT: u8 = 0x80;
const TAG_FALSE: u8 = 0x81;
const TAG_TRUE: u8 = 0x82;
const TAG_EXACT: u8 = 0x83;
const TAG_WIDE: u8 = 0x84;
const TAG_FLOAT: u8 = 0x85;
const TAG_NONE: u8 = 0x86;
const TAG_SMALL_FLOAT: u8 = 0x87;

/// `v` as a byte when it is exactly one (`-0.0` is not: its bits differ).
#[inline]
fn small_whole(v: f64) -> Option<u8> {
    let n = v as u8;
    (f64::from(n).to_bits() == v.to_bits()).then_some(n)
}

/// LEB128: seven bits a byte, low first, the high bit set on all but the last.
#[inline]
fn put_varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[inline(always)]
fn get_varint(data: &[u8], at: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *data.get(*at)?;
        *at += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(v);
        }
    }
    None
}

#[inline(always)]
fn reduced(red: &Reducer, acc: &Acc) -> Reduced {
    match red.kind {
        ReducerKind::Count => Reduced::Count(acc.count),
        ReducerKind::Any | ReducerKind::All => Reduced::Flag(acc.flag),
        ReducerKind::Min | ReducerKind::Max if acc.count == 0 => Reduced::IfNone,
        _ if red.plain.is_some() => Reduced::Exact(acc.exact),
        _ => Reduced::Float(acc.float),
    }
}

/// What is wrong with a reducer's result, if anything: [`problem`] without
/// its words, cheap enough for every household.
#[inline(always)]
fn problem_kind(red: &Reducer, acc: &Acc) -> Option<ReduceProblemKind> {
    match red.kind {
        ReducerKind::Count | ReducerKind::Any | ReducerKind::All => None,
        ReducerKind::One if acc.count == 0 => Some(ReduceProblemKind::NoMatch),
        ReducerKind::One if acc.count > 1 => Some(ReduceProblemKind::SeveralMatch),
        ReducerKind::Min | ReducerKind::Max if acc.count == 0 => {
            red.if_none.is_none().then_some(ReduceProblemKind::NoMatch)
        }
        _ => {
            let writes = if red.plain.is_some() {
                !acc.overflow
            } else {
                writes_value(&red.output, acc.float)
            };
            (!writes).then_some(ReduceProblemKind::Undefined)
        }
    }
}

/// Why `red` gives no value for the household whose state is `acc`.
#[inline]
fn problem(red: &Reducer, acc: &Acc) -> Result<(), ReduceProblem> {
    let Some(kind) = problem_kind(red, acc) else {
        return Ok(());
    };
    let cond = red.condition.as_deref().unwrap_or("");
    let (persons, message) = match kind {
        ReduceProblemKind::NoMatch if red.kind == ReducerKind::One => (
            Vec::new(),
            format!("{}: no person matches `{cond}`", red.name),
        ),
        // `min` / `max` of a required input.
        ReduceProblemKind::NoMatch => (
            Vec::new(),
            match &red.condition {
                Some(c) => format!("{}: no person matches `{c}`", red.name),
                None => format!("{}: the household has no person", red.name),
            },
        ),
        ReduceProblemKind::SeveralMatch => (
            acc.matches.clone(),
            format!(
                "{}: {} persons match `{cond}`, where exactly one must",
                red.name, acc.count
            ),
        ),
        ReduceProblemKind::Undefined => (
            Vec::new(),
            format!(
                "{}: `{}` gives no finite value for this household (too large)",
                red.name, red.source
            ),
        ),
    };
    Err(ReduceProblem {
        input: red.input,
        kind,
        persons,
        message,
    })
}

fn write_bool(b: bool, out: &mut Vec<u8>) {
    out.extend_from_slice(if b { b"true" } else { b"false" });
}

/// Whether [`write_value`] writes `v`: finite (and a value of its enum).
fn writes_value(output: &Output, v: f64) -> bool {
    v.is_finite()
        && match output {
            Output::Enum(names) => v >= 0.0 && (v as usize) < names.len(),
            Output::Bool | Output::Integer | Output::Decimal => true,
        }
}

/// Write a computed value that [`writes_value`].
fn write_value(output: &Output, v: f64, out: &mut Vec<u8>) {
    if !writes_value(output, v) {
        return;
    }
    match output {
        Output::Bool => write_bool(v != 0.0, out),
        Output::Enum(names) => {
            if let Some(name) = names.get(v as usize) {
                out.extend_from_slice(name.as_bytes());
            }
        }
        Output::Integer | Output::Decimal => crate::numfmt::write_shortest(v, out),
    }
}

#[cfg(test)]
mod tests {
    use super::{Dec, Reduced, TAG_COUNT, TAG_SMALL_FLOAT};

    /// Every kind of value, at the edges of each encoding, reads back as
    /// itself, and the bytes of several values follow one another.
    #[test]
    fn reduced_values_read_back_as_written() {
        let mut values = vec![
            Reduced::Flag(true),
            Reduced::Flag(false),
            Reduced::IfNone,
            Reduced::Float(-0.0),
            Reduced::Float(f64::NAN),
            Reduced::Float(1e308),
            Reduced::Float(0.1),
            Reduced::Float(0.0),
            Reduced::Float(1.0),
            Reduced::Float(255.0),
            Reduced::Float(256.0),
            Reduced::Float(-1.0),
            Reduced::Float(2.5),
        ];
        for n in [
            0u64,
            1,
            127,
            128,
            16_383,
            16_384,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            values.push(Reduced::Count(n));
        }
        for m in [
            0i128,
            1,
            -1,
            63,
            -64,
            64,
            i128::from(i64::MAX),
            i128::from(i64::MIN),
            i128::from(i64::MAX) + 1,
            i128::from(i64::MIN) - 1,
            i128::MAX,
            i128::MIN,
        ] {
            for scale in [0, 1, 2, 17, 38, u32::MAX] {
                values.push(Reduced::Exact(Dec::from_parts(m, scale)));
            }
        }
        let mut bytes = Vec::new();
        for v in &values {
            v.encode(&mut bytes);
        }
        // Small whole numbers take two bytes; others, and `-0`, nine.
        let mut short = Vec::new();
        Reduced::Float(255.0).encode(&mut short);
        Reduced::Float(-0.0).encode(&mut short);
        assert_eq!(short.len(), 2 + 9);
        // A count below 128 takes one byte; 128, a tag and two.
        let mut short = Vec::new();
        Reduced::Count(0).encode(&mut short);
        Reduced::Count(127).encode(&mut short);
        Reduced::Count(128).encode(&mut short);
        assert_eq!(short, [0, 127, TAG_COUNT, 0x80, 1]);
        let mut at = 0;
        for v in &values {
            let back = Reduced::decode(&bytes, &mut at).expect("a value");
            match (v, back) {
                (Reduced::Float(a), Reduced::Float(b)) => assert_eq!(a.to_bits(), b.to_bits()),
                _ => assert_eq!(*v, back),
            }
        }
        assert_eq!(at, bytes.len());
        assert_eq!(Reduced::decode(&bytes, &mut at), None);
        // Small counts, read by their short way too.
        let mut counts = Vec::new();
        for n in [0u64, 5, 127, 128, 300] {
            Reduced::Count(n).encode(&mut counts);
        }
        Reduced::Flag(true).encode(&mut counts);
        let mut at = 0;
        for n in [0u8, 5, 127] {
            assert_eq!(Reduced::decode_small_count(&counts, &mut at), Some(n));
        }
        for n in [128u64, 300] {
            assert_eq!(Reduced::decode_small_count(&counts, &mut at), None);
            assert_eq!(Reduced::decode(&counts, &mut at), Some(Reduced::Count(n)));
        }
        assert_eq!(Reduced::decode_small_count(&counts, &mut at), None);
        assert_eq!(Reduced::decode(&counts, &mut at), Some(Reduced::Flag(true)));
        // Cut short, or a tag that was never written: no value.
        let mut short = Vec::new();
        Reduced::Count(1 << 40).encode(&mut short);
        short.pop();
        assert_eq!(Reduced::decode(&short, &mut 0), None);
        assert_eq!(Reduced::decode(&[TAG_SMALL_FLOAT + 1], &mut 0), None);
        assert_eq!(Reduced::decode(&[0xFF], &mut 0), None);
    }
}
