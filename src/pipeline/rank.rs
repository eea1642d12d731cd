//! Welfare ranking (`[ranking]` in the policy, issue 17): the first pass
//! evaluates every household's welfare and population weight, the cut-points
//! are found, and the second pass decides every household with its `decile`.
//!
//! The first pass keeps 16 bytes per household of the population: its
//! welfare (`f64`) and its weight (`u64`: persons, times the survey weight
//! in [`crate::input::WEIGHT_UNIT`]ths with `--weight`; 1 or the survey
//! weight for a population of households). With `--rank-within`, each value
//! of the column is a population of its own. Above [`DEFAULT_MEMORY_ENTRIES`]
//! entries in memory, the entries are sorted and written as runs to private
//! (0600) temporary files, and the cut-points are found by merging the runs.
//!
//! The rule, exactly (no rounding: welfare is compared as computed, in `f64`
//! total order; weights are integers): sort the population by welfare; with
//! `W` its total weight and `G` the number of groups, the cut-point `c_k`
//! (k = 1 … G − 1) is the smallest welfare `w` of the population such that
//! `G × (weight of welfare ≤ w) ≥ k × W`; a household's decile is the
//! smallest `k` with welfare ≤ `c_k`, else `G`. Equal welfare is one decile.
//! A household heavier than a whole decile makes the deciles it fills
//! empty (their cut-points are all its welfare).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};

use crate::report::atomic::TempFile;
pub(super) use ids::{IdReplay, KnownIds};

/// Entries held in memory before they are spilled (16 bytes each: 1 GiB).
pub const DEFAULT_MEMORY_ENTRIES: usize = 64 << 20;

/// Entries of the largest block in memory (16 MiB). Entries are kept in
/// blocks of 64, 128, … up to this, never in one growing vector, so that
/// memory stays at 16 bytes an entry (plus the last block's free part)
/// instead of doubling while a vector is copied; each block is sorted, and
/// the blocks are merged like runs on disk.
const BLOCK: usize = 1 << 20;

/// One household of the population.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Entry {
    welfare: f64,
    weight: u64,
}

/// A key that orders as `f64::total_cmp` does.
fn order_key(w: f64) -> i64 {
    let bits = w.to_bits() as i64;
    bits ^ ((((bits >> 63) as u64) >> 1) as i64)
}

/// The population weight of a household: `persons` (1 for households)
/// times the survey weight's units when there is one. Saturates at `u64::MAX`.
pub fn population_weight(persons: f64, survey: Option<u64>) -> u64 {
    // `persons` is a whole number, not negative (checked by the engine).
    let persons = persons as u64;
    match survey {
        Some(units) => persons.saturating_mul(units),
        None => persons,
    }
}

/// A group's total weight and smallest and largest welfare key so far.
#[derive(Debug, Clone, Copy)]
struct Figures {
    total: u128,
    min: u64,
    max: u64,
}

/// The first pass's population, in memory and in sorted runs on disk.
#[derive(Debug)]
pub struct Collector {
    /// Ranking within a column: group key → index.
    index: HashMap<Vec<u8>, u32>,
    keys: Vec<Vec<u8>>,
    /// Per group, its blocks in memory.
    entries: Vec<Vec<Vec<Entry>>>,
    held: usize,
    limit: usize,
    /// Per group, its runs on disk (file, entries).
    runs: Vec<Vec<(TempFile, u64)>>,
    /// Per group, the total weight and the smallest and largest welfare
    /// key of its entries so far (in memory or not): finding the cut-points
    /// then needs no pass over the entries for them.
    figures: Vec<Figures>,
    /// The group of the last household pushed.
    last: usize,
    /// The rows' ids: the later passes need not claim them again.
    pub(super) ids: KnownIds,
}

impl Collector {
    /// A collector spilling above `limit` entries in memory.
    pub fn new(limit: usize) -> Collector {
        Collector {
            index: HashMap::new(),
            keys: Vec::new(),
            entries: Vec::new(),
            held: 0,
            limit: limit.max(1),
            runs: Vec::new(),
            figures: Vec::new(),
            last: 0,
            ids: KnownIds::default(),
        }
    }

    /// A household of group `key` (empty when ranking nationally).
    pub fn push(&mut self, key: &[u8], welfare: f64, weight: u64) -> io::Result<()> {
        // Rows of one group often follow each other: the last group first.
        let last = self.last;
        // (Ranking nationally, every key is empty: no comparison at all.)
        let g = match self.keys.get(last) {
            Some(k) if k.len() == key.len() && (key.is_empty() || k.as_slice() == key) => last,
            _ => self.group(key),
        };
        self.last = g;
        let key = select::key_of(welfare);
        let f = &mut self.figures[g];
        f.total += u128::from(weight);
        f.min = f.min.min(key);
        f.max = f.max.max(key);
        let blocks = &mut self.entries[g];
        match blocks.last_mut() {
            Some(b) if b.len() < b.capacity() => b.push(Entry { welfare, weight }),
            last => {
                // A full block is never grown (copied): the next one is
                // twice as large, up to `BLOCK`.
                let size = last.map_or(64, |b| (b.capacity() * 2).min(BLOCK));
                let mut b = Vec::with_capacity(size);
                b.push(Entry { welfare, weight });
                blocks.push(b);
            }
        }
        self.held += 1;
        if self.held >= self.limit {
            self.spill()?;
        }
        Ok(())
    }

    /// The index of group `key`, a new group if it is new.
    fn group(&mut self, key: &[u8]) -> usize {
        if let Some(&g) = self.index.get(key) {
            return g as usize;
        }
        let g = self.keys.len();
        self.index.insert(key.to_vec(), g as u32);
        self.keys.push(key.to_vec());
        self.entries.push(Vec::new());
        self.runs.push(Vec::new());
        self.figures.push(Figures {
            total: 0,
            min: u64::MAX,
            max: 0,
        });
        g
    }

    /// Sort every group's entries in memory and write each as a run.
    fn spill(&mut self) -> io::Result<()> {
        for (g, blocks) in self.entries.iter_mut().enumerate() {
            if blocks.is_empty() {
                continue;
            }
            let pid = std::process::id();
            let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let (temp, file) = TempFile::create_in(&std::env::temp_dir(), |attempt| {
                format!("layak-rank-{pid}-{run}-{attempt}.tmp")
            })?;
            let mut w = BufWriter::with_capacity(1 << 16, file);
            let mut merged = Merged::new(memory_sources(std::mem::take(blocks)))?;
            let mut count = 0u64;
            while let Some(e) = merged.next()? {
                w.write_all(&e.welfare.to_bits().to_le_bytes())?;
                w.write_all(&e.weight.to_le_bytes())?;
                count += 1;
            }
            w.flush()?;
            self.runs[g].push((temp, count));
        }
        self.held = 0;
        Ok(())
    }

    /// The weight of group `key`'s households with welfare at or below
    /// `welfare`, and the group's total weight (`explain`: where a household
    /// stands). Reads the runs on disk, if any.
    pub fn at_or_below(&self, key: &[u8], welfare: f64) -> io::Result<(u128, u128)> {
        let Some(&g) = self.index.get(key) else {
            return Ok((0, 0));
        };
        let (mut below, mut total) = (0u128, 0u128);
        let mut add = |e: Entry| {
            total += u128::from(e.weight);
            if e.welfare.total_cmp(&welfare).is_le() {
                below += u128::from(e.weight);
            }
        };
        for e in self.entries[g as usize].iter().flatten() {
            add(*e);
        }
        for (temp, count) in &self.runs[g as usize] {
            let mut r = RunReader {
                reader: BufReader::with_capacity(1 << 16, File::open(temp.path())?),
                left: *count,
            };
            while let Some(e) = r.next()? {
                add(e);
            }
        }
        Ok((below, total))
    }

    /// Runs spilled so far (tests).
    pub fn spilled_runs(&self) -> usize {
        self.runs.iter().map(Vec::len).sum()
    }

    /// The cut-points of every group into `groups` groups.
    pub fn finish(mut self, groups: u32, within: Option<usize>) -> io::Result<Deciles> {
        let width = groups as usize - 1;
        let mut cuts = Vec::with_capacity(self.keys.len() * width);
        let mut stats = Vec::with_capacity(self.keys.len());
        for g in 0..self.keys.len() {
            let blocks = std::mem::take(&mut self.entries[g]);
            let Figures { total, min, max } = self.figures[g];
            let range = (min <= max).then_some((min, max));
            let runs = std::mem::take(&mut self.runs[g]);
            if runs.is_empty() {
                let (group_cuts, group_stats) =
                    select::cut_in_memory(&blocks, groups, (total, range), select::SELECT);
                cuts.extend_from_slice(&group_cuts);
                stats.push(group_stats);
                continue;
            }
            let mut readers = memory_sources(blocks);
            for (temp, count) in &runs {
                let file = File::open(temp.path())?;
                readers.push(Source::Run(RunReader {
                    reader: BufReader::with_capacity(1 << 16, file),
                    left: *count,
                }));
            }
            let merged = Merged::new(readers)?;
            let (group_cuts, group_stats) = cut(merged, groups, total)?;
            drop(runs);
            cuts.extend_from_slice(&group_cuts);
            stats.push(group_stats);
        }
        Ok(Deciles {
            groups,
            within,
            index: self.index,
            keys: self.keys,
            cuts,
            stats,
            known_ids: self.ids,
        })
    }
}

/// A sorted run on disk, read back in order.
struct RunReader {
    reader: BufReader<File>,
    left: u64,
}

impl RunReader {
    fn next(&mut self) -> io::Result<Option<Entry>> {
        if self.left == 0 {
            return Ok(None);
        }
        let mut b = [0u8; 16];
        self.reader.read_exact(&mut b)?;
        self.left -= 1;
        let (w, n) = b.split_at(8);
        let mut w8 = [0u8; 8];
        let mut n8 = [0u8; 8];
        w8.copy_from_slice(w);
        n8.copy_from_slice(n);
        Ok(Some(Entry {
            welfare: f64::from_bits(u64::from_le_bytes(w8)),
            weight: u64::from_le_bytes(n8),
        }))
    }
}

/// Spilled runs so far in this process: their files' names differ.
static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Where a group's entries come from: a block in memory or a run on disk.
enum Source {
    Memory(std::vec::IntoIter<Entry>),
    Run(RunReader),
}

impl Source {
    fn next(&mut self) -> io::Result<Option<Entry>> {
        match self {
            Source::Memory(it) => Ok(it.next()),
            Source::Run(r) => r.next(),
        }
    }
}

/// Blocks in memory, each sorted, as sources to merge.
fn memory_sources(blocks: Vec<Vec<Entry>>) -> Vec<Source> {
    blocks
        .into_iter()
        .map(|mut b| {
            b.sort_unstable_by(|x, y| x.welfare.total_cmp(&y.welfare));
            Source::Memory(b.into_iter())
        })
        .collect()
}

/// The entries of a group in welfare order: its sorted sources, merged.
struct Merged {
    sources: Vec<Source>,
    /// (key, source) of each source's next entry.
    heap: BinaryHeap<Reverse<(i64, usize)>>,
    heads: Vec<Option<Entry>>,
}

impl Merged {
    fn new(mut sources: Vec<Source>) -> io::Result<Merged> {
        let mut heap = BinaryHeap::new();
        let mut heads = Vec::with_capacity(sources.len());
        for (i, r) in sources.iter_mut().enumerate() {
            let head = r.next()?;
            if let Some(e) = head {
                heap.push(Reverse((order_key(e.welfare), i)));
            }
            heads.push(head);
        }
        Ok(Merged {
            sources,
            heap,
            heads,
        })
    }

    fn next(&mut self) -> io::Result<Option<Entry>> {
        if let [only] = self.sources.as_mut_slice() {
            // One source (a group that fits one block): no merging.
            return match self.heads[0].take() {
                Some(e) => Ok(Some(e)),
                None => only.next(),
            };
        }
        let Some(Reverse((_, source))) = self.heap.pop() else {
            return Ok(None);
        };
        let taken = self.heads[source];
        let next = self.sources[source].next()?;
        self.heads[source] = next;
        if let Some(e) = next {
            self.heap.push(Reverse((order_key(e.welfare), source)));
        }
        Ok(taken)
    }
}

/// Per group: its households and weight, in total and per decile (first pass).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupStats {
    pub households: u64,
    pub weight: u128,
    /// Per decile (index `k - 1`): households, weight.
    pub per_decile: Vec<(u64, u128)>,
}

/// The cut-points of one group's sorted entries, and its figures.
fn cut(mut sorted: Merged, groups: u32, total: u128) -> io::Result<(Vec<f64>, GroupStats)> {
    let g = u128::from(groups);
    let width = groups as usize - 1;
    let mut cuts: Vec<f64> = Vec::with_capacity(width);
    let mut stats = GroupStats {
        households: 0,
        weight: total,
        per_decile: vec![(0, 0); groups as usize],
    };
    let mut cum: u128 = 0;
    let mut pending = sorted.next()?;
    while let Some(first) = pending {
        // A block of equal welfare: one decile, the first whose cut-point is
        // not below it (= the cut-points found before the block, plus one).
        let decile = cuts.len();
        let mut block_households = 0u64;
        let mut block_weight = 0u128;
        let mut e = Some(first);
        while let Some(x) = e {
            if x.welfare.total_cmp(&first.welfare).is_ne() {
                break;
            }
            block_households += 1;
            block_weight += u128::from(x.weight);
            e = sorted.next()?;
        }
        pending = e;
        cum += block_weight;
        stats.households += block_households;
        let d = &mut stats.per_decile[decile.min(width)];
        d.0 += block_households;
        d.1 += block_weight;
        while cuts.len() < width && g * cum >= (cuts.len() as u128 + 1) * total {
            cuts.push(first.welfare);
        }
    }
    // An empty population has no cut-points: every decile would be `groups`.
    while cuts.len() < width {
        cuts.push(f64::INFINITY);
    }
    Ok((cuts, stats))
}

/// The cut-points of a run, for the second pass.
#[derive(Debug, Clone)]
pub struct Deciles {
    pub groups: u32,
    /// `--rank-within`: the input whose value makes the group.
    pub within: Option<usize>,
    index: HashMap<Vec<u8>, u32>,
    /// Each group's value, in order of first appearance.
    pub keys: Vec<Vec<u8>>,
    /// `groups - 1` cut-points per group, group after group.
    pub cuts: Vec<f64>,
    pub stats: Vec<GroupStats>,
    /// What the first pass found of the rows' ids (the later passes' claims).
    pub(super) known_ids: KnownIds,
}

impl Deciles {
    /// The index of group `key` (`usize::MAX`: not in the population).
    pub fn group_of(&self, key: &[u8]) -> usize {
        self.index.get(key).map_or(usize::MAX, |&g| g as usize)
    }

    /// Group `g`'s cut-points.
    pub fn cuts_of(&self, g: usize) -> &[f64] {
        let width = self.groups as usize - 1;
        self.cuts.get(g * width..(g + 1) * width).unwrap_or(&[])
    }

    /// The decile of `welfare` in group `g`: the smallest `k` with
    /// welfare ≤ `c_k`, else `groups` (0 for an unknown group).
    pub fn decile(&self, g: usize, welfare: f64) -> u32 {
        let cuts = self.cuts_of(g);
        if cuts.is_empty() {
            return 0;
        }
        1 + cuts.partition_point(|c| c.total_cmp(&welfare).is_lt()) as u32
    }
}

/// Add the `decile` field (and, when asked, nothing else) at the end of a
/// decision just written.
pub(super) fn append_decile(format: crate::report::Format, out: &mut Vec<u8>, decile: u32) {
    use crate::report::Format;
    match format {
        Format::Csv => {
            debug_assert_eq!(out.last(), Some(&b'\n'));
            out.pop();
            out.push(b',');
            crate::numfmt::write_u64(u64::from(decile), out);
            out.push(b'\n');
        }
        Format::Json | Format::Ndjson => {
            let newline = format == Format::Ndjson;
            if newline {
                debug_assert_eq!(out.last(), Some(&b'\n'));
                out.pop();
            }
            debug_assert_eq!(out.last(), Some(&b'}'));
            out.pop();
            out.extend_from_slice(b",\"decile\":");
            crate::numfmt::write_u64(u64::from(decile), out);
            out.push(b'}');
            if newline {
                out.push(b'\n');
            }
        }
    }
}

/// The CSV header's `decile` column, last. `head` ends with a newline.
pub(super) fn extend_csv_header(head: &mut Vec<u8>) {
    debug_assert_eq!(head.last(), Some(&b'\n'));
    head.pop();
    head.extend_from_slice(b",decile\n");
}

mod ids;
mod select;

#[cfg(test)]
mod tests;
