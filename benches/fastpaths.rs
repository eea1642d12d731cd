//! Fast paths earn their place (issue 13): each hand-rolled part of the hot
//! path against the standard choice, on values taken from the bench file.
//!
//! - `ids_*`: the duplicate-id table (`IdSet`, `src/input/ids.rs`) against
//!   `HashMap`s with foldhash, inserting (then finding again) every id of the file;
//! - `enum`: the packed words and perfect hash (`EnumKeys::find`,
//!   `src/input/cell.rs`) against a linear scan and a `HashMap`, on the enum
//!   cells of the file;
//! - `fixed`, `shortest`: `src/numfmt` against `itoa`, `ryu` and `std`'s
//!   formatting, on the numbers the CSV and JSON writers write;
//! - `bool`, `int`: parts where layak now uses the standard choice (a plain
//!   comparison of the spellings in `parse_bool`; `itoa` in
//!   `numfmt::write_int`), timed against the fast paths they replaced, kept
//!   here (`former_*`) so that the verdict can be checked again;
//! - `json`: the JSON writer (`src/report/json.rs`) against
//!   `serde_json::to_writer` on a borrowed `#[derive(Serialize)]` struct.
//!
//! Every pair is checked to give the same answers (the same bytes) before it
//! is timed; where the standard choice writes other bytes, that is said on
//! standard error and in `benches/README.md`.
//!
//! ```sh
//! cargo run --release --example synth -- --rows 1000000 --seed 1 -o target/households-1000000.csv
//! cargo bench --bench fastpaths        # or LAYAK_BENCH_CSV=FILE cargo bench --bench fastpaths
//! ```

use std::collections::HashMap;
use std::hint::black_box;
use std::io::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{BatchSize, Criterion, SamplingMode, Throughput};
use layak::engine::{Engine, Scratch, Status};
use layak::input::cell::{self, CellError, EnumKeys};
use layak::input::{self, IdSet, Layout, ReadOptions, RowParser};
use layak::numfmt;
use layak::policy::{DEPRIVATION_STATUSES, InputType, LoadOptions, Policy};
use layak::report::{Decision, DecisionWriter, Format};
use serde::ser::{Serialize, Serializer};

/// The standard fast hasher here: foldhash, hashbrown's default since 0.15
/// (so what `hashbrown::HashMap` users get), fast on short byte strings and
/// on integers, and of good quality on keys with structure (sequential ids),
/// where FxHash is weaker.
type Fold = foldhash::fast::RandomState;

const DEFAULT_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/target/households-1000000.csv");
/// Rows decided for the number and JSON benches.
const DECIDED_ROWS: usize = 10_000;
/// Rows whose enum and boolean cells are matched.
const CELL_ROWS: usize = 20_000;
/// Fingerprints claimed per batch, as the merger claims a chunk's rows (a
/// 256 KiB chunk of the bench file holds about 2,400).
const CLAIM_BATCH: usize = 2_048;
/// Decisions written into one buffer before it is cleared, as a batch is.
const WRITE_BATCH: usize = 256;

struct Data {
    policy: Policy,
    /// Every household id of the file, trimmed, end to end; `id_ends[i]` ends id `i`.
    ids: Vec<u8>,
    id_ends: Vec<usize>,
    /// (enum input's position in `enum_inputs`, cell) of the first rows, in row order.
    enum_cells: Vec<(usize, Range<usize>)>,
    /// The enum of each enum input.
    enum_values: Vec<Vec<String>>,
    /// Boolean cells of the first rows.
    bool_cells: Vec<Range<usize>>,
    /// The bytes of those cells, end to end, as a record holds them.
    cell_bytes: Vec<u8>,
    /// Decided households: id, region and the engine's scratch.
    decided: Vec<(String, String, Scratch)>,
}

impl Data {
    fn id(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.id_ends[i - 1] };
        &self.ids[start..self.id_ends[i]]
    }
}

fn load() -> Data {
    let path = std::env::var("LAYAK_BENCH_CSV").unwrap_or_else(|_| DEFAULT_FILE.to_string());
    if !std::path::Path::new(&path).exists() {
        eprintln!(
            "fastpaths: no bench file at {path}; make it with\n  \
             cargo run --release --example synth -- --rows 1000000 --seed 1 -o {DEFAULT_FILE}\n\
             or name one with LAYAK_BENCH_CSV=FILE"
        );
        std::process::exit(2);
    }
    let policy = Policy::default_policy(&LoadOptions {
        as_of: Some("2025-06-01".into()),
    })
    .expect("the default policy loads");
    let options = ReadOptions::default();
    let source = input::open(&path, &options).expect("the bench file opens");
    let layout = Layout::new(&policy, &source, &options).expect("its header fits the policy");
    let parser = RowParser::new(&policy, &layout);
    let engine = Engine::new(&policy);
    let mut s = engine.scratch();

    let enum_inputs: Vec<(usize, usize, u16)> = policy
        .inputs
        .iter()
        .enumerate()
        .filter_map(|(i, inp)| match inp.ty {
            InputType::Enum(e) => Some((i, layout.columns[i]?, e)),
            _ => None,
        })
        .collect();
    let bool_columns: Vec<usize> = policy
        .inputs
        .iter()
        .enumerate()
        .filter(|(_, inp)| inp.ty == InputType::Bool)
        .filter_map(|(i, _)| layout.columns[i])
        .collect();
    let id_column = layout.columns[policy.fields.id_input].expect("an id column");
    let region_column = policy
        .fields
        .region_input
        .and_then(|i| layout.columns[i])
        .expect("a region column");

    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(source.delimiter)
        .from_path(&path)
        .expect("the bench file reads");
    let mut record = csv::ByteRecord::new();
    let mut data = Data {
        ids: Vec::new(),
        id_ends: Vec::new(),
        enum_cells: Vec::new(),
        enum_values: enum_inputs
            .iter()
            .map(|&(_, _, e)| policy.enums[usize::from(e)].values.clone())
            .collect(),
        bool_cells: Vec::new(),
        cell_bytes: Vec::new(),
        decided: Vec::new(),
        policy: policy.clone(),
    };
    let text = |b: &[u8]| String::from_utf8(cell::trim(b).to_vec()).expect("ASCII ids");
    let mut row = 0usize;
    while rdr.read_byte_record(&mut record).expect("a record") {
        let field = |c: usize| record.get(c).unwrap_or_default();
        data.ids.extend_from_slice(cell::trim(field(id_column)));
        data.id_ends.push(data.ids.len());
        if row < CELL_ROWS {
            for (k, &(_, c, _)) in enum_inputs.iter().enumerate() {
                let t = cell::trim(field(c));
                if !t.is_empty() {
                    let start = data.cell_bytes.len();
                    data.cell_bytes.extend_from_slice(t);
                    data.enum_cells.push((k, start..data.cell_bytes.len()));
                }
            }
            for &c in &bool_columns {
                let t = cell::trim(field(c));
                if !t.is_empty() {
                    let start = data.cell_bytes.len();
                    data.cell_bytes.extend_from_slice(t);
                    data.bool_cells.push(start..data.cell_bytes.len());
                }
            }
        }
        if data.decided.len() < DECIDED_ROWS
            && parser.parse(&record, row as u64 + 2, &mut s.slots).is_ok()
            && engine.decide(&mut s).is_ok()
        {
            data.decided.push((
                text(field(id_column)),
                text(field(region_column)),
                s.clone(),
            ));
        }
        row += 1;
    }
    eprintln!(
        "fastpaths: {path}: {} ids, {} enum and {} boolean cells, {} decisions",
        data.id_ends.len(),
        data.enum_cells.len(),
        data.bool_cells.len(),
        data.decided.len()
    );
    data
}

// ------------------------------------------------------------------- ids

/// The merger's claim: `warm` a batch's slots, then claim each.
fn claim_all(ids: &mut IdSet, fps: &[u128], warm: bool) -> usize {
    let mut dup = 0;
    for (b, batch) in fps.chunks(CLAIM_BATCH).enumerate() {
        if warm {
            ids.warm(batch.iter().copied());
        }
        for (i, &fp) in batch.iter().enumerate() {
            dup += usize::from(
                ids.claim_fingerprint(fp, (b * CLAIM_BATCH + i) as u64)
                    .is_some(),
            );
        }
    }
    dup
}

/// Insert-or-find in a standard map: the earlier line, or `None` and inserted.
fn claim_map<K: std::hash::Hash + Eq>(
    map: &mut HashMap<K, u64, Fold>,
    key: K,
    line: u64,
) -> Option<u64> {
    match map.entry(key) {
        std::collections::hash_map::Entry::Occupied(o) => Some(*o.get()),
        std::collections::hash_map::Entry::Vacant(v) => {
            v.insert(line);
            None
        }
    }
}

/// `IdSet`'s entry in a standard map: the fingerprint's top 64 bits as the
/// key; the 32 confirming bits above the line as the value; an id whose key
/// is taken by another id kept whole on the side (rare), as `IdSet` does.
/// (Lines from 2³²−1 on, which `IdSet` also keeps on the side, do not occur here.)
struct PackedMap {
    map: HashMap<u64, u64, Fold>,
    overflow: HashMap<u128, u64, Fold>,
}

impl PackedMap {
    fn new() -> PackedMap {
        PackedMap {
            map: HashMap::default(),
            overflow: HashMap::default(),
        }
    }

    #[inline]
    fn claim(&mut self, fp: u128, line: u64) -> Option<u64> {
        let check = u64::from(fp as u32) << 32;
        match self.map.entry((fp >> 64) as u64) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(check | (line & 0xffff_ffff));
                None
            }
            std::collections::hash_map::Entry::Occupied(o) => {
                let found = *o.get();
                if found & !0xffff_ffff == check {
                    Some(found & 0xffff_ffff)
                } else {
                    claim_map(&mut self.overflow, fp, line)
                }
            }
        }
    }
}

/// The standard map keyed by the id itself: look up by the borrowed bytes,
/// copy the id only when it is new.
fn claim_owned(map: &mut HashMap<Box<[u8]>, u64, Fold>, id: &[u8], line: u64) -> Option<u64> {
    if let Some(&first) = map.get(id) {
        return Some(first);
    }
    map.insert(id.into(), line);
    None
}

fn bench_ids(c: &mut Criterion<ThreadCpu>, d: &Data) {
    let n = d.id_ends.len();
    let fps: Vec<u128> = (0..n).map(|i| input::fingerprint(d.id(i))).collect();
    // The same answers: no duplicates in the file, every id found again.
    let mut set = IdSet::default();
    assert_eq!(claim_all(&mut set, &fps, true), 0);
    let mut by_fp: HashMap<u128, u64, Fold> = HashMap::default();
    let mut by_key = PackedMap::new();
    let mut by_id: HashMap<Box<[u8]>, u64, Fold> = HashMap::default();
    for (i, &fp) in fps.iter().enumerate() {
        assert_eq!(claim_map(&mut by_fp, fp, i as u64), None);
        assert_eq!(by_key.claim(fp, i as u64), None);
        assert_eq!(claim_owned(&mut by_id, d.id(i), i as u64), None);
    }
    for (i, &fp) in fps.iter().enumerate().step_by(97) {
        assert_eq!(set.claim_fingerprint(fp, 0), Some(i as u64));
        assert_eq!(claim_map(&mut by_fp, fp, 0), Some(i as u64));
        assert_eq!(by_key.claim(fp, 0), Some(i as u64));
        assert_eq!(claim_owned(&mut by_id, d.id(i), 0), Some(i as u64));
    }
    // hashbrown's buckets (a power of two, at most 7/8 full) of one entry
    // and one control byte each, per id.
    fn bytes_an_id<K, V>(map: &HashMap<K, V, Fold>, n: usize) -> usize {
        (map.capacity() * 8 / 7).next_power_of_two() * (std::mem::size_of::<(K, V)>() + 1) / n
    }
    eprintln!(
        "fastpaths: {n} ids: bytes an id: HashMap<u128, u64> {}, HashMap<u64, u64> {}, \
         HashMap<Box<[u8]>, u64> {} plus each id on the heap",
        bytes_an_id(&by_fp, n),
        bytes_an_id(&by_key.map, n),
        bytes_an_id(&by_id, n),
    );

    let mut g = c.benchmark_group("ids_insert");
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("layak IdSet, warm + claim (as the merger)", |b| {
        b.iter_batched(
            IdSet::default,
            |mut ids| {
                black_box(claim_all(&mut ids, &fps, true));
                ids
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("variant: layak IdSet, claim without warm", |b| {
        b.iter_batched(
            IdSet::default,
            |mut ids| {
                black_box(claim_all(&mut ids, &fps, false));
                ids
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("HashMap<u128, u64> foldhash, same fingerprint", |b| {
        b.iter_batched(
            HashMap::<u128, u64, Fold>::default,
            |mut map| {
                for (i, &fp) in fps.iter().enumerate() {
                    black_box(claim_map(&mut map, fp, i as u64));
                }
                map
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("HashMap<u64, u64> foldhash, IdSet's 16-byte entry", |b| {
        b.iter_batched(
            PackedMap::new,
            |mut map| {
                for (i, &fp) in fps.iter().enumerate() {
                    black_box(map.claim(fp, i as u64));
                }
                map
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("HashMap<Box<[u8]>, u64> foldhash, the id itself", |b| {
        b.iter_batched(
            HashMap::<Box<[u8]>, u64, Fold>::default,
            |mut map| {
                for i in 0..n {
                    black_box(claim_owned(&mut map, d.id(i), i as u64));
                }
                map
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("for scale: fingerprint (workers, not the merger)", |b| {
        b.iter(|| {
            let mut x = 0u128;
            for i in 0..n {
                x ^= input::fingerprint(black_box(d.id(i)));
            }
            x
        })
    });
    g.finish();

    // Finding every id again in the full tables (a file of duplicates).
    let mut g = c.benchmark_group("ids_find");
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("layak IdSet, warm + claim (as the merger)", |b| {
        b.iter(|| claim_all(&mut set, &fps, true))
    });
    g.bench_function("HashMap<u128, u64> foldhash, same fingerprint", |b| {
        b.iter(|| {
            fps.iter()
                .filter(|&&fp| claim_map(&mut by_fp, fp, 0).is_some())
                .count()
        })
    });
    g.bench_function("HashMap<u64, u64> foldhash, IdSet's 16-byte entry", |b| {
        b.iter(|| {
            fps.iter()
                .filter(|&&fp| by_key.claim(fp, 0).is_some())
                .count()
        })
    });
    g.bench_function("HashMap<Box<[u8]>, u64> foldhash, the id itself", |b| {
        b.iter(|| {
            (0..n)
                .filter(|&i| claim_owned(&mut by_id, d.id(i), 0).is_some())
                .count()
        })
    });
    g.finish();
}

// ----------------------------------------------------------- enums, bools

/// A standard map from each value to its index, matched case-insensitively
/// by lower-casing the cell into a stack buffer first.
struct EnumMap {
    map: HashMap<Box<[u8]>, u32, Fold>,
    longest: usize,
}

impl EnumMap {
    fn new(values: &[String]) -> EnumMap {
        let mut map = HashMap::default();
        for (i, v) in values.iter().enumerate() {
            map.entry(v.to_ascii_lowercase().into_bytes().into_boxed_slice())
                .or_insert(i as u32);
        }
        EnumMap {
            map,
            longest: values.iter().map(String::len).max().unwrap_or(0),
        }
    }

    #[inline]
    fn find(&self, cell: &[u8]) -> Result<f64, CellError> {
        let mut buf = [0u8; 64];
        if cell.len() > self.longest || cell.len() > buf.len() {
            return Err(CellError::NotEnum);
        }
        let lower = &mut buf[..cell.len()];
        lower.copy_from_slice(cell);
        lower.make_ascii_lowercase();
        self.map
            .get(&*lower)
            .map(|&i| f64::from(i))
            .ok_or(CellError::NotEnum)
    }
}

/// The boolean matcher `parse_bool` had before it became a plain comparison
/// of the spellings: the cell packed into a word, lower-cased eight bytes at
/// once, compared with every spelling without a branch on the letters.
#[inline]
fn former_packed_bool(cell: &[u8]) -> Result<f64, CellError> {
    /// A spelling (at most 7 bytes, lower case) as a word and its length.
    const fn pack(word: &[u8]) -> (u64, u64) {
        let mut key = (0u64, (word.len() as u64) << 56);
        let mut i = 0;
        while i < word.len() {
            key.0 |= (word[i] as u64) << (8 * i);
            i += 1;
        }
        key
    }
    /// Up to eight bytes as a little-endian word, without a loop.
    #[inline]
    fn word(bytes: &[u8]) -> u64 {
        let n = bytes.len().min(8);
        match (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
            (Some(first), Some(last)) => {
                u64::from(u32::from_le_bytes(*first))
                    | (u64::from(u32::from_le_bytes(*last)) << (8 * (n - 4)))
            }
            _ => match (bytes.first(), bytes.get(n / 2), bytes.last()) {
                (Some(&a), Some(&b), Some(&c)) => {
                    u64::from(a) | (u64::from(b) << (8 * (n / 2))) | (u64::from(c) << (8 * (n - 1)))
                }
                _ => 0,
            },
        }
    }
    /// `to_ascii_lowercase` on eight bytes at once.
    #[inline]
    fn lower_ascii(x: u64) -> u64 {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        let low7 = x & !HIGH;
        let ge_a = low7 + ONES * u64::from(0x80 - b'A');
        let gt_z = low7 + ONES * u64::from(0x80 - b'Z' - 1);
        let upper = ge_a & !gt_z & !x & HIGH;
        x | (upper >> 2)
    }
    const TRUE: [(u64, u64); 5] = [
        pack(b"true"),
        pack(b"yes"),
        pack(b"ya"),
        pack(b"y"),
        pack(b"1"),
    ];
    const FALSE: [(u64, u64); 5] = [
        pack(b"false"),
        pack(b"no"),
        pack(b"tidak"),
        pack(b"n"),
        pack(b"0"),
    ];
    if cell.len() > 5 {
        return Err(CellError::NotBool);
    }
    let k = (lower_ascii(word(cell)), (cell.len() as u64) << 56);
    let yes = TRUE.iter().fold(false, |any, &t| any | (t == k));
    let no = FALSE.iter().fold(false, |any, &f| any | (f == k));
    if yes {
        Ok(1.0)
    } else if no {
        Ok(0.0)
    } else {
        Err(CellError::NotBool)
    }
}

fn bench_enums(c: &mut Criterion<ThreadCpu>, d: &Data) {
    let keys: Vec<EnumKeys> = d.enum_values.iter().map(|v| EnumKeys::new(v)).collect();
    let maps: Vec<EnumMap> = d.enum_values.iter().map(|v| EnumMap::new(v)).collect();
    let cells = &d.enum_cells;
    let bytes = &d.cell_bytes[..];
    for (k, r) in cells {
        let cell = &bytes[r.clone()];
        let want = cell::parse_enum(cell, &d.enum_values[*k]);
        assert!(want.is_ok());
        assert_eq!(keys[*k].find(cell), want);
        assert_eq!(maps[*k].find(cell), want);
    }
    let sizes: Vec<usize> = d.enum_values.iter().map(Vec::len).collect();
    eprintln!("fastpaths: enums of {sizes:?} values");

    // Every enum cell of the rows, then the cells of the smallest and of the
    // largest enum alone (a linear scan's best and worst case here).
    let smallest = (0..sizes.len()).min_by_key(|&k| sizes[k]).unwrap_or(0);
    let largest = (0..sizes.len()).max_by_key(|&k| sizes[k]).unwrap_or(0);
    let only = |k: usize| -> Vec<(usize, Range<usize>)> {
        cells.iter().filter(|(e, _)| *e == k).cloned().collect()
    };
    for (name, cells) in [
        ("enum", cells.clone()),
        ("enum_smallest", only(smallest)),
        ("enum_largest", only(largest)),
    ] {
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Elements(cells.len() as u64));
        g.bench_function("layak EnumKeys::find (packed words, perfect hash)", |b| {
            b.iter(|| {
                cells
                    .iter()
                    .map(|(k, r)| keys[*k].find(black_box(&bytes[r.clone()])).unwrap_or(-1.0))
                    .sum::<f64>()
            })
        });
        g.bench_function("linear scan, case-insensitive (cell::parse_enum)", |b| {
            b.iter(|| {
                cells
                    .iter()
                    .map(|(k, r)| {
                        cell::parse_enum(black_box(&bytes[r.clone()]), &d.enum_values[*k])
                            .unwrap_or(-1.0)
                    })
                    .sum::<f64>()
            })
        });
        g.bench_function("HashMap foldhash, lower-cased on the stack", |b| {
            b.iter(|| {
                cells
                    .iter()
                    .map(|(k, r)| maps[*k].find(black_box(&bytes[r.clone()])).unwrap_or(-1.0))
                    .sum::<f64>()
            })
        });
        g.finish();
    }

    let cells = &d.bool_cells;
    for r in cells {
        let cell = &bytes[r.clone()];
        assert_eq!(cell::parse_bool(cell), former_packed_bool(cell));
    }
    let mut g = c.benchmark_group("bool");
    g.throughput(Throughput::Elements(cells.len() as u64));
    g.bench_function("layak parse_bool (word by word, case-insensitive)", |b| {
        b.iter(|| {
            cells
                .iter()
                .map(|r| cell::parse_bool(black_box(&bytes[r.clone()])).unwrap_or(-1.0))
                .sum::<f64>()
        })
    });
    g.bench_function("former packed words (replaced)", |b| {
        b.iter(|| {
            cells
                .iter()
                .map(|r| former_packed_bool(black_box(&bytes[r.clone()])).unwrap_or(-1.0))
                .sum::<f64>()
        })
    });
    g.finish();
}

// --------------------------------------------------------------- numbers

/// Write every value of `xs` with `f` into one buffer, cleared now and then.
fn write_each<T: Copy>(xs: &[T], out: &mut Vec<u8>, mut f: impl FnMut(T, &mut Vec<u8>)) -> usize {
    let mut total = 0;
    for chunk in xs.chunks(4096) {
        out.clear();
        for &x in chunk {
            f(black_box(x), out);
        }
        total += out.len();
    }
    total
}

/// How many values the two write differently, and up to five of them.
fn same_text<T: Copy + std::fmt::Debug>(
    xs: &[T],
    a: impl Fn(T, &mut Vec<u8>),
    b: impl Fn(T, &mut Vec<u8>),
) -> (usize, Vec<String>) {
    let (mut differ, mut examples) = (0, Vec::new());
    for &x in xs {
        let (mut p, mut q) = (Vec::new(), Vec::new());
        a(x, &mut p);
        b(x, &mut q);
        if p != q {
            differ += 1;
            if examples.len() < 5 {
                examples.push(format!(
                    "{x:?}: {} vs {}",
                    String::from_utf8_lossy(&p),
                    String::from_utf8_lossy(&q)
                ));
            }
        }
    }
    (differ, examples)
}

fn report_difference(what: &str, n: usize, (differ, examples): (usize, Vec<String>)) {
    if differ == 0 {
        eprintln!("fastpaths: {what}: the same bytes for all {n} values");
    } else {
        eprintln!(
            "fastpaths: {what}: {differ} of {n} values differ (layak vs it), e.g. {}",
            examples.join("; ")
        );
    }
}

/// The integer writer `numfmt::write_int` had before it became `itoa`:
/// eight digits at once by multiply-and-shift, stored straight into the
/// output (one digit: one push).
fn former_write_int(v: i64, out: &mut Vec<u8>) {
    #[inline(always)]
    fn digits8(n: u64) -> u64 {
        let v = (n / 10_000) | ((n % 10_000) << 32);
        let hundreds = ((v * 5243) >> 19) & 0x0000_007f_0000_007f;
        let v = hundreds | ((v - hundreds * 100) << 16);
        let tens = ((v * 103) >> 10) & 0x000f_000f_000f_000f;
        tens | ((v - tens * 10) << 8)
    }
    const ASCII_ZEROS: u64 = 0x3030_3030_3030_3030;
    #[inline(always)]
    fn put_short(n: u64, buf: &mut [u8], pos: usize) -> usize {
        let d = digits8(n);
        let zeros = (d.trailing_zeros() / 8).min(7) as usize;
        let ascii = (d + ASCII_ZEROS) >> (8 * zeros);
        buf[pos..pos + 8].copy_from_slice(&ascii.to_le_bytes());
        pos + 8 - zeros
    }
    #[inline(always)]
    fn put_eight(n: u64, buf: &mut [u8], pos: usize) -> usize {
        buf[pos..pos + 8].copy_from_slice(&(digits8(n) + ASCII_ZEROS).to_le_bytes());
        pos + 8
    }
    const E8: u64 = 100_000_000;
    if (0..10).contains(&v) {
        out.push(b'0' + v as u8);
        return;
    }
    let n = v.unsigned_abs();
    let start = out.len();
    out.extend_from_slice(&[0u8; 32]);
    let Some(buf) = out.get_mut(start..).and_then(|t| t.first_chunk_mut::<32>()) else {
        return;
    };
    buf[0] = b'-';
    let pos = usize::from(v < 0);
    let end = if n < E8 {
        put_short(n, buf, pos)
    } else if n < E8 * E8 {
        let pos = put_short(n / E8, buf, pos);
        put_eight(n % E8, buf, pos)
    } else {
        let pos = put_short(n / (E8 * E8), buf, pos);
        let pos = put_eight(n / E8 % E8, buf, pos);
        put_eight(n % E8, buf, pos)
    };
    out.truncate(start + end);
}

/// Fixed decimals the standard way: round half up as layak does, then `{:.*}`.
fn std_fixed((x, dec): (f64, u32), out: &mut Vec<u8>) {
    let _ = write!(out, "{:.*}", dec as usize, numfmt::round_half_up(x, dec));
}

/// Fixed decimals through `itoa`: the value rounded half up to a whole
/// number of units of the last place, written as whole part and fraction.
fn itoa_fixed((x, dec): (f64, u32), out: &mut Vec<u8>) {
    let scale = 10u64.pow(dec);
    let n = (x.abs() * scale as f64 + 0.5 + 1e-9) as u64;
    if x < 0.0 && n > 0 {
        out.push(b'-');
    }
    let mut buf = itoa::Buffer::new();
    out.extend_from_slice(buf.format(n / scale).as_bytes());
    if dec > 0 {
        out.push(b'.');
        let frac = buf.format(n % scale + scale).as_bytes();
        out.extend_from_slice(&frac[1..]);
    }
}

fn ryu_plain(x: f64, out: &mut Vec<u8>) {
    out.extend_from_slice(ryu::Buffer::new().format(x).as_bytes());
}

/// `ryu`, laid out like layak's numbers: no `.0` after a whole number and no
/// `-0` (what a writer built on `ryu` needs for values between 1e-5 and 1e16).
fn ryu_like_layak(x: f64, out: &mut Vec<u8>) {
    let x = if x == 0.0 { 0.0 } else { x };
    let mut buf = ryu::Buffer::new();
    let s = buf.format(x).as_bytes();
    out.extend_from_slice(s.strip_suffix(b".0").unwrap_or(s));
}

fn std_display(x: f64, out: &mut Vec<u8>) {
    let _ = write!(out, "{x}");
}

fn bench_numbers(c: &mut Criterion<ThreadCpu>, d: &Data) {
    let p = &d.policy;
    let mut ints: Vec<i64> = Vec::new();
    let mut fixed: Vec<(f64, u32)> = Vec::new();
    let mut shortest: Vec<f64> = Vec::new();
    for (_, _, s) in &d.decided {
        // The CSV writer's numbers.
        for slot in [p.fields.per_capita_income, p.fields.poverty_line]
            .into_iter()
            .flatten()
        {
            fixed.push((s.slots[slot], 2));
        }
        if let Some(dep) = &p.deprivation {
            fixed.push((s.slots[dep.score_slot], 4));
            shortest.push(s.slots[dep.score_slot]);
        }
        fixed.push((s.monthly_total, 0));
        fixed.push((s.one_off_total, 0));
        fixed.push((s.priority, 1));
        ints.push(i64::from(s.review_after_months));
        // The JSON writer's numbers.
        if let Some(slot) = p.fields.per_capita_income {
            shortest.push(numfmt::round_half_up(s.slots[slot], 2));
        }
        if let Some(slot) = p.fields.poverty_line {
            shortest.push(s.slots[slot]);
        }
        for o in s.programs.iter().filter(|o| o.status != Status::Denied) {
            shortest.push(o.amount);
            ints.push(o.amount as i64);
            shortest.extend(
                [o.duration_months, o.starts_after_months, o.capped_from]
                    .into_iter()
                    .flatten(),
            );
        }
        shortest.extend([
            s.monthly_total,
            s.one_off_total,
            numfmt::round_half_up(s.priority, 1),
        ]);
        ints.extend([s.monthly_total as i64, s.one_off_total as i64]);
    }
    // Line numbers, as in the rejects file.
    ints.extend((0..d.decided.len() as i64).map(|i| i * 97 + 2));

    report_difference(
        "int: former write_int",
        ints.len(),
        same_text(&ints, numfmt::write_int, former_write_int),
    );
    report_difference(
        "fixed: std {:.*}",
        fixed.len(),
        same_text(&fixed, |(x, k), o| numfmt::write_fixed(x, k, o), std_fixed),
    );
    report_difference(
        "fixed: itoa",
        fixed.len(),
        same_text(&fixed, |(x, k), o| numfmt::write_fixed(x, k, o), itoa_fixed),
    );
    report_difference(
        "shortest: std Display",
        shortest.len(),
        same_text(&shortest, numfmt::write_shortest, std_display),
    );
    report_difference(
        "shortest: ryu",
        shortest.len(),
        same_text(&shortest, numfmt::write_shortest, ryu_plain),
    );
    report_difference(
        "shortest: ryu without .0",
        shortest.len(),
        same_text(&shortest, numfmt::write_shortest, ryu_like_layak),
    );
    // Edge values where the rules show (not timed).
    let edges = [
        -0.0,
        1e16,
        1.5e-7,
        0.1 + 0.2,
        1.5e15 + 0.25,
        f64::NAN,
        28.749999999999996,
        -0.001,
    ];
    report_difference(
        "edges: ryu without .0",
        edges.len(),
        same_text(&edges, numfmt::write_shortest, ryu_like_layak),
    );
    report_difference(
        "edges: std Display",
        edges.len(),
        same_text(&edges, numfmt::write_shortest, std_display),
    );
    let edge_fixed: Vec<(f64, u32)> = edges.iter().map(|&x| (x, 2)).collect();
    report_difference(
        "edges: fixed std {:.2}",
        edge_fixed.len(),
        same_text(
            &edge_fixed,
            |(x, k), o| numfmt::write_fixed(x, k, o),
            std_fixed,
        ),
    );

    let mut out = Vec::with_capacity(1 << 16);
    let mut g = c.benchmark_group("int");
    g.throughput(Throughput::Elements(ints.len() as u64));
    g.bench_function("layak numfmt::write_int (itoa)", |b| {
        b.iter(|| write_each(&ints, &mut out, numfmt::write_int))
    });
    g.bench_function("former write_int, eight digits at once (replaced)", |b| {
        b.iter(|| write_each(&ints, &mut out, former_write_int))
    });
    g.finish();

    let mut g = c.benchmark_group("fixed");
    g.throughput(Throughput::Elements(fixed.len() as u64));
    g.bench_function("layak numfmt::write_fixed", |b| {
        b.iter(|| write_each(&fixed, &mut out, |(x, k), o| numfmt::write_fixed(x, k, o)))
    });
    g.bench_function("itoa (whole part, fraction)", |b| {
        b.iter(|| write_each(&fixed, &mut out, itoa_fixed))
    });
    g.bench_function("std {:.*} of round_half_up", |b| {
        b.iter(|| write_each(&fixed, &mut out, std_fixed))
    });
    g.finish();

    let mut g = c.benchmark_group("shortest");
    g.throughput(Throughput::Elements(shortest.len() as u64));
    g.bench_function("layak numfmt::write_shortest", |b| {
        b.iter(|| write_each(&shortest, &mut out, numfmt::write_shortest))
    });
    g.bench_function("ryu", |b| {
        b.iter(|| write_each(&shortest, &mut out, ryu_plain))
    });
    g.bench_function("ryu without .0 and -0", |b| {
        b.iter(|| write_each(&shortest, &mut out, ryu_like_layak))
    });
    g.bench_function("std Display", |b| {
        b.iter(|| write_each(&shortest, &mut out, std_display))
    });
    g.finish();
}

// ------------------------------------------------------------------ JSON

/// A JSON number: with `PLAIN` as `serde_json` writes an `f64` (`ryu`: a
/// whole number gets `.0`); else a whole number through `i64`, as layak
/// writes it (which also turns `-0` into `0`).
#[derive(Clone, Copy)]
struct Num<const PLAIN: bool>(f64);

impl<const PLAIN: bool> Serialize for Num<PLAIN> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let x = self.0;
        if !PLAIN && x.is_finite() && x.abs() < 9e15 && x.trunc() == x {
            s.serialize_i64(x as i64)
        } else {
            s.serialize_f64(x)
        }
    }
}

/// One decision, borrowed from the policy, the engine's scratch and the
/// rendered reasons: the fields of `src/report/json.rs`, in its order.
#[derive(serde::Serialize)]
struct DecisionWire<'a, const PLAIN: bool> {
    household_id: &'a str,
    region: &'a str,
    income_status: Option<&'a str>,
    per_capita_income: Option<Num<PLAIN>>,
    poverty_line: Option<Num<PLAIN>>,
    deprivation_score: Option<Num<PLAIN>>,
    deprivation_status: Option<&'a str>,
    deprived: Deprived<'a>,
    emergency: Option<bool>,
    labour_capacity: Option<bool>,
    track: &'a str,
    programs: Programs<'a, PLAIN>,
    deferred: Deferred<'a>,
    monthly_total: Num<PLAIN>,
    one_off_total: Num<PLAIN>,
    capped: bool,
    review_after_months: u32,
    priority: Num<PLAIN>,
    reasons: Sentences<'a>,
    policy_id: &'a str,
    policy_version: &'a str,
    policy_hash: &'a str,
}

#[derive(serde::Serialize)]
struct ProgramWire<'a, const PLAIN: bool> {
    id: &'a str,
    kind: &'a str,
    provider: &'a str,
    status: &'static str,
    amount: Num<PLAIN>,
    period: &'static str,
    duration_months: Option<Num<PLAIN>>,
    starts_after_months: Option<Num<PLAIN>>,
    review_months: u32,
    capped_from: Option<Num<PLAIN>>,
    reason: &'a str,
}

/// The ids of the indicators that hold, without collecting them.
struct Deprived<'a> {
    policy: &'a Policy,
    slots: &'a [f64],
}

impl Serialize for Deprived<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let indicators = self
            .policy
            .deprivation
            .as_ref()
            .map_or(&[][..], |d| &d.indicators[..]);
        s.collect_seq(
            indicators
                .iter()
                .filter(|i| self.slots[i.slot] != 0.0)
                .map(|i| i.id.as_str()),
        )
    }
}

struct Programs<'a, const PLAIN: bool> {
    policy: &'a Policy,
    scratch: &'a Scratch,
    /// The reason of each program that is not denied, in order, in `text`.
    text: &'a str,
    ranges: &'a [Range<usize>],
}

impl<const PLAIN: bool> Serialize for Programs<'_, PLAIN> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let shown = self
            .policy
            .programs
            .iter()
            .zip(&self.scratch.programs)
            .filter(|(_, o)| o.status != Status::Denied);
        s.collect_seq(
            shown
                .zip(self.ranges)
                .map(|((prog, o), r)| ProgramWire::<PLAIN> {
                    id: &prog.id,
                    kind: &prog.kind,
                    provider: &prog.provider,
                    status: o.status.as_str(),
                    amount: Num(o.amount),
                    period: prog.period.keyword(),
                    duration_months: o.duration_months.map(Num),
                    starts_after_months: o.starts_after_months.map(Num),
                    review_months: prog.review_months,
                    capped_from: o.capped_from.map(Num),
                    reason: &self.text[r.clone()],
                }),
        )
    }
}

struct Deferred<'a> {
    policy: &'a Policy,
    scratch: &'a Scratch,
}

impl Serialize for Deferred<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            self.policy
                .programs
                .iter()
                .zip(&self.scratch.programs)
                .filter(|(_, o)| o.status == Status::Deferred)
                .map(|(p, _)| p.id.as_str()),
        )
    }
}

/// Sentences separated by NUL bytes in one rendered text.
struct Sentences<'a>(&'a str);

impl Serialize for Sentences<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.split('\0'))
    }
}

/// What a serde writer renders before it can borrow: the decision's reasons
/// (NUL between sentences) and each shown program's reason, with public
/// pieces of the crate (templates, `numfmt`), the sentences of
/// `DecisionWriter`'s reasons.
#[derive(Default)]
struct Rendered {
    reasons: Vec<u8>,
    programs: Vec<u8>,
    ranges: Vec<Range<usize>>,
}

impl Rendered {
    fn render(&mut self, p: &Policy, s: &Scratch) {
        let enums = &p.enums[..];
        let slots = &s.slots[..];
        let out = &mut self.reasons;
        out.clear();
        let mut first = true;
        let mut sentence = |out: &mut Vec<u8>| {
            if !first {
                out.push(0);
            }
            first = false;
        };
        for (r, _) in p.reasons.iter().zip(&s.reasons).filter(|(_, h)| **h) {
            sentence(out);
            out.extend_from_slice(r.id.as_bytes());
            out.extend_from_slice(b": ");
            r.text.render(slots, enums, out);
        }
        if let Some(dep) = &p.deprivation {
            sentence(out);
            out.extend_from_slice(b"deprivation: score ");
            numfmt::write_fixed(slots[dep.score_slot], 4, out);
            out.extend_from_slice(b" (");
            let status = DEPRIVATION_STATUSES.get(slots[dep.status_slot] as usize);
            out.extend_from_slice(status.map_or("?", |s| s).as_bytes());
            out.push(b')');
            let mut any = false;
            for ind in dep.indicators.iter().filter(|i| slots[i.slot] != 0.0) {
                out.extend_from_slice(if any { b"; " } else { b": " });
                let label = if ind.label.is_empty() {
                    &ind.id
                } else {
                    &ind.label
                };
                out.extend_from_slice(label.as_bytes());
                any = true;
            }
        }
        self.programs.clear();
        self.ranges.clear();
        for (prog, o) in p.programs.iter().zip(&s.programs) {
            let reason = |out: &mut Vec<u8>| match &prog.reason {
                Some(t) => t.render(slots, enums, out),
                None => out.extend_from_slice(b"eligible"),
            };
            match o.status {
                Status::Denied => continue,
                Status::Granted => {
                    sentence(out);
                    out.extend_from_slice(prog.id.as_bytes());
                    out.extend_from_slice(b": ");
                    reason(out);
                }
                Status::Deferred => {
                    sentence(out);
                    out.extend_from_slice(prog.id.as_bytes());
                    out.extend_from_slice(b": deferred");
                    if let Some(m) = o.starts_after_months {
                        out.extend_from_slice(b", starts after ");
                        numfmt::write_grouped(m, out);
                        out.extend_from_slice(b" months");
                    }
                    out.extend_from_slice(b"; ");
                    reason(out);
                }
            }
            if let Some(from) = o.capped_from {
                out.extend_from_slice(b"; capped from ");
                numfmt::write_grouped(from, out);
                out.extend_from_slice(b" to ");
                numfmt::write_grouped(o.amount, out);
                if let Some(cap) = s.cap {
                    out.extend_from_slice(b" by the household monthly cap of ");
                    numfmt::write_grouped(cap, out);
                }
            }
            let start = self.programs.len();
            reason(&mut self.programs);
            self.ranges.push(start..self.programs.len());
        }
        if let Some(t) = p.tracks.get(s.track) {
            sentence(out);
            out.extend_from_slice(b"track ");
            out.extend_from_slice(t.id.as_bytes());
            if let Some(r) = &t.reason {
                out.extend_from_slice(b": ");
                r.render(slots, enums, out);
            }
        }
    }

    /// The decision as NDJSON through `serde_json::to_writer`.
    fn write<const PLAIN: bool>(
        &self,
        p: &Policy,
        (id, region, s): &(String, String, Scratch),
        out: &mut Vec<u8>,
    ) -> serde_json::Result<()> {
        let slots = &s.slots[..];
        let enum_name = |(slot, e): (usize, u16)| {
            p.enums[usize::from(e)]
                .values
                .get(slots[slot] as usize)
                .map_or("", String::as_str)
        };
        let wire = DecisionWire::<PLAIN> {
            household_id: id,
            region,
            income_status: p.fields.income_status.map(enum_name),
            per_capita_income: p
                .fields
                .per_capita_income
                .map(|slot| Num(numfmt::round_half_up(slots[slot], 2))),
            poverty_line: p.fields.poverty_line.map(|slot| Num(slots[slot])),
            deprivation_score: p.deprivation.as_ref().map(|d| Num(slots[d.score_slot])),
            deprivation_status: p.deprivation.as_ref().map(|d| {
                DEPRIVATION_STATUSES
                    .get(slots[d.status_slot] as usize)
                    .copied()
                    .unwrap_or("")
            }),
            deprived: Deprived { policy: p, slots },
            emergency: p.fields.emergency.map(|slot| slots[slot] != 0.0),
            labour_capacity: p.fields.labour_capacity.map(|slot| slots[slot] != 0.0),
            track: p.tracks.get(s.track).map_or("", |t| &t.id),
            programs: Programs {
                policy: p,
                scratch: s,
                text: std::str::from_utf8(&self.programs).map_err(serde::ser::Error::custom)?,
                ranges: &self.ranges,
            },
            deferred: Deferred {
                policy: p,
                scratch: s,
            },
            monthly_total: Num(s.monthly_total),
            one_off_total: Num(s.one_off_total),
            capped: s.capped,
            review_after_months: s.review_after_months,
            priority: Num(numfmt::round_half_up(s.priority, 1)),
            reasons: Sentences(
                std::str::from_utf8(&self.reasons).map_err(serde::ser::Error::custom)?,
            ),
            policy_id: &p.meta.id,
            policy_version: &p.meta.version,
            policy_hash: &p.hash,
        };
        serde_json::to_writer(&mut *out, &wire)?;
        out.push(b'\n');
        Ok(())
    }
}

fn bench_json(c: &mut Criterion<ThreadCpu>, d: &mut Data) {
    let policy = &d.policy;
    let decided = &mut d.decided;
    let mut writer = DecisionWriter::new(policy, Format::Ndjson);
    let layak_write = |writer: &mut DecisionWriter<'_>,
                       (id, region, s): &mut (String, String, Scratch),
                       out: &mut Vec<u8>| {
        let mut decision = Decision {
            household_id: id.as_bytes(),
            region: region.as_bytes(),
            scratch: s,
        };
        writer.decision(&mut decision, out);
    };
    // The same bytes, decision by decision (with layak's numbers), or how many differ.
    let mut rendered = Rendered::default();
    let (mut plain_differ, mut bytes) = (0, 0);
    for dec in decided.iter_mut() {
        let mut ours = Vec::new();
        layak_write(&mut writer, dec, &mut ours);
        rendered.render(policy, &dec.2);
        let mut theirs = Vec::new();
        rendered
            .write::<false>(policy, dec, &mut theirs)
            .expect("serialises");
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&theirs),
            "serde_json on the borrowed struct writes the same bytes"
        );
        let mut plain = Vec::new();
        rendered
            .write::<true>(policy, dec, &mut plain)
            .expect("serialises");
        plain_differ += usize::from(plain != ours);
        bytes += ours.len();
    }
    eprintln!(
        "fastpaths: json: serde_json writes layak's bytes for all {} decisions ({} bytes each on average) \
         with whole numbers through i64; with plain f64 fields {plain_differ} differ (`300000.0` for `300000`)",
        decided.len(),
        bytes / decided.len().max(1)
    );
    // Every decision's text rendered ahead, to time serialisation alone.
    let prerendered: Vec<Rendered> = decided
        .iter()
        .map(|dec| {
            let mut r = Rendered::default();
            r.render(policy, &dec.2);
            r
        })
        .collect();

    let mut out = Vec::with_capacity(1 << 20);
    let mut g = c.benchmark_group("json");
    g.throughput(Throughput::Elements(decided.len() as u64));
    g.bench_function("layak DecisionWriter (NDJSON)", |b| {
        b.iter(|| {
            for batch in decided.chunks_mut(WRITE_BATCH) {
                out.clear();
                for dec in batch {
                    layak_write(&mut writer, dec, &mut out);
                }
            }
            out.len()
        })
    });
    g.bench_function(
        "serde_json::to_writer, borrowed struct, reasons rendered",
        |b| {
            b.iter(|| {
                for batch in decided.chunks(WRITE_BATCH) {
                    out.clear();
                    for dec in batch {
                        rendered.render(policy, &dec.2);
                        let _ = rendered.write::<false>(policy, dec, &mut out);
                    }
                }
                out.len()
            })
        },
    );
    g.bench_function(
        "serde_json::to_writer only (reasons rendered ahead, untimed)",
        |b| {
            b.iter(|| {
                for (batch, texts) in decided
                    .chunks(WRITE_BATCH)
                    .zip(prerendered.chunks(WRITE_BATCH))
                {
                    out.clear();
                    for (dec, r) in batch.iter().zip(texts) {
                        let _ = r.write::<false>(policy, dec, &mut out);
                    }
                }
                out.len()
            })
        },
    );
    g.bench_function("serde_json::to_writer only, plain f64 (other bytes)", |b| {
        b.iter(|| {
            for (batch, texts) in decided
                .chunks(WRITE_BATCH)
                .zip(prerendered.chunks(WRITE_BATCH))
            {
                out.clear();
                for (dec, r) in batch.iter().zip(texts) {
                    let _ = r.write::<true>(policy, dec, &mut out);
                }
            }
            out.len()
        })
    });
    g.finish();
}

// ----------------------------------------------------- measuring, table

/// Time on this thread's CPU (`CLOCK_THREAD_CPUTIME_ID`), not on the wall:
/// on a shared machine another tenant's work then no longer counts as ours
/// (it still evicts our caches, so memory-bound benches stay noisier).
struct ThreadCpu;

fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant
    // Linux and the BSDs define.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "CLOCK_THREAD_CPUTIME_ID is available");
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

impl Measurement for ThreadCpu {
    type Intermediate = u64;
    type Value = u64;
    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, start: u64) -> u64 {
        thread_cpu_ns().saturating_sub(start)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &CpuNanos
    }
}

/// Nanoseconds of CPU; a throughput is shown as CPU nanoseconds per element.
struct CpuNanos;

impl ValueFormatter for CpuNanos {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (div, unit) = match typical {
            t if t < 1e3 => (1.0, "ns cpu"),
            t if t < 1e6 => (1e3, "µs cpu"),
            t if t < 1e9 => (1e6, "ms cpu"),
            _ => (1e9, "s cpu"),
        };
        values.iter_mut().for_each(|v| *v /= div);
        unit
    }
    fn scale_throughputs(&self, _typical: f64, t: &Throughput, values: &mut [f64]) -> &'static str {
        let per = match *t {
            Throughput::Elements(n)
            | Throughput::Bytes(n)
            | Throughput::BytesDecimal(n)
            | Throughput::Bits(n) => n,
        };
        values.iter_mut().for_each(|v| *v /= per.max(1) as f64);
        "ns cpu/op"
    }
    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

/// Where criterion keeps its results (read back for the table).
fn output_directory() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("target"),
            PathBuf::from,
        )
        .join("criterion")
}

/// Print the README's table from criterion's estimates: CPU ns per
/// operation (median) and, for each standard choice, its time over the
/// group's layak entry (above 1: layak is faster).
fn print_table(groups: &[&str]) {
    let dir = output_directory();
    let mut table =
        String::from("| bench | implementation | ns/op | ratio to layak |\n|---|---|---|---|\n");
    for group in groups {
        let mut rows: Vec<(String, f64)> = Vec::new();
        for entry in std::fs::read_dir(dir.join(group))
            .into_iter()
            .flatten()
            .flatten()
        {
            let read = |file: &str| -> Option<serde_json::Value> {
                let text = std::fs::read_to_string(entry.path().join("new").join(file)).ok()?;
                serde_json::from_str(&text).ok()
            };
            let (Some(bench), Some(est)) = (read("benchmark.json"), read("estimates.json")) else {
                continue;
            };
            let n = bench["throughput"]["Elements"].as_f64().unwrap_or(1.0);
            let (Some(name), Some(ns)) = (
                bench["function_id"].as_str(),
                est["median"]["point_estimate"].as_f64(),
            ) else {
                continue;
            };
            rows.push((name.to_string(), ns / n));
        }
        // layak's entry first, then the others, fastest first.
        rows.sort_by(|a, b| {
            let theirs = |name: &str| !name.starts_with("layak");
            theirs(&a.0).cmp(&theirs(&b.0)).then(a.1.total_cmp(&b.1))
        });
        let base = rows.first().map_or(f64::NAN, |r| r.1);
        for (name, ns) in &rows {
            let ratio = if name.starts_with("layak") {
                String::from("1")
            } else {
                format!("{:.2}", ns / base)
            };
            table.push_str(&format!("| {group} | {name} | {ns:.1} | {ratio} |\n"));
        }
    }
    println!("\nCPU time per operation (median of the samples):\n\n{table}");
}

// ------------------------------------------------------------------ main

/// The groups, in the table's order.
const GROUPS: [&str; 10] = [
    "ids_insert",
    "ids_find",
    "enum",
    "enum_smallest",
    "enum_largest",
    "bool",
    "int",
    "fixed",
    "shortest",
    "json",
];

fn main() {
    let mut c = Criterion::default()
        .with_measurement(ThreadCpu)
        .output_directory(&output_directory())
        // Quick settings: the whole run stays within a few minutes.
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(20)
        .configure_from_args();
    let mut data = load();
    bench_enums(&mut c, &data);
    bench_numbers(&mut c, &data);
    bench_json(&mut c, &mut data);
    bench_ids(&mut c, &data);
    c.final_summary();
    print_table(&GROUPS);
}
