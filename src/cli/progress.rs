//! A progress bar on standard error while a file is read (issue 19).
//!
//! Shown only when standard error is a terminal, never with `--quiet` nor
//! when `TERM=dumb`; `NO_COLOR` drops the colour. The library's only part
//! is a counter of the rows merged (`pipeline::Options::progress`), stored
//! once per chunk; the bytes come from the counting reader the file is
//! opened with here. A thread of its own reads both ten times a second and
//! draws, so nothing on the path of a row waits for the terminal. Lines
//! written while the bar is up go through [`suspend`], which takes the bar
//! off the screen for them; dropping the [`Progress`] clears it, before the
//! closing line or an error is written.

use std::ffi::OsStr;
use std::io::{self, IsTerminal, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::input::{self, Layout, ReadOptions, Source};
use crate::pipeline;

/// How often the counters are read and the bar drawn.
const TICK: Duration = Duration::from_millis(100);

/// What decides whether the bar is shown, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Setting {
    /// Standard error is a terminal.
    pub terminal: bool,
    /// `--quiet`.
    pub quiet: bool,
    /// `TERM=dumb`: a terminal that cannot move the cursor back.
    pub dumb: bool,
    /// Colour allowed (`NO_COLOR` unset or empty, as no-color.org says).
    pub colour: bool,
}

impl Setting {
    /// From standard error and the environment.
    pub(super) fn from_env(quiet: bool) -> Setting {
        Setting::decide(
            io::stderr().is_terminal(),
            quiet,
            std::env::var_os("TERM").as_deref(),
            std::env::var_os("NO_COLOR").as_deref(),
        )
    }

    /// The decision, with the terminal check and the environment given.
    pub(super) fn decide(
        terminal: bool,
        quiet: bool,
        term: Option<&OsStr>,
        no_color: Option<&OsStr>,
    ) -> Setting {
        Setting {
            terminal,
            quiet,
            dumb: term.is_some_and(|t| t == "dumb"),
            colour: no_color.is_none_or(OsStr::is_empty),
        }
    }

    /// Whether a bar is drawn at all.
    pub(super) fn shown(self) -> bool {
        self.terminal && !self.quiet && !self.dumb
    }
}

/// What the bar measures.
pub(super) struct Measure {
    /// Bytes read of the file (compressed bytes, for a compressed file).
    bytes: Option<Arc<AtomicU64>>,
    /// The file's size: a bar with the time left; unknown, a spinner.
    total: Option<u64>,
    /// What the rows are called.
    unit: &'static str,
}

impl Measure {
    /// The bytes counted into `bytes` of the file at `path`, whose size
    /// is known when it is a regular file (not `-` nor a pipe).
    pub(super) fn file(bytes: &Arc<AtomicU64>, path: &str) -> Measure {
        Measure {
            bytes: Some(Arc::clone(bytes)),
            total: size_of(path),
            unit: "rows",
        }
    }

    /// Only the households counted (person files, read by the library).
    pub(super) fn households() -> Measure {
        Measure {
            bytes: None,
            total: None,
            unit: "households",
        }
    }
}

/// The size of a regular file; None for standard input, a pipe or a device.
fn size_of(path: &str) -> Option<u64> {
    if path == "-" {
        return None;
    }
    std::fs::metadata(path)
        .ok()
        .filter(|m| m.is_file() && m.len() > 0)
        .map(|m| m.len())
}

/// The bar now on screen, for [`suspend`].
static CURRENT: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Run `f` (which writes to standard error) with the bar off the screen,
/// so that its line is not mixed with the bar; the bar is drawn again after.
pub(super) fn suspend<R>(f: impl FnOnce() -> R) -> R {
    let bar = CURRENT.lock().ok().and_then(|b| b.clone());
    match bar {
        Some(bar) => bar.suspend(f),
        None => f(),
    }
}

/// The progress of one pass over the input; the bar is cleared when dropped.
pub(super) struct Progress {
    rows: Arc<AtomicU64>,
    shown: Option<Shown>,
}

struct Shown {
    bar: ProgressBar,
    stop: Sender<()>,
    thread: Option<JoinHandle<()>>,
}

impl Progress {
    /// Start a bar labelled `label` (e.g. `reading big.csv`), if `setting`
    /// shows one.
    pub(super) fn start(setting: Setting, label: String, measure: Measure) -> Progress {
        let rows = Arc::new(AtomicU64::new(0));
        let shown = setting
            .shown()
            .then(|| Shown::start(setting.colour, label, measure, Arc::clone(&rows)))
            .flatten();
        Progress { rows, shown }
    }

    /// The pipeline's options, with the rows counter when a bar is shown.
    pub(super) fn options(&self, base: &pipeline::Options) -> pipeline::Options {
        pipeline::Options {
            progress: self.shown.as_ref().map(|_| Arc::clone(&self.rows)),
            ..base.clone()
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(mut shown) = self.shown.take() {
            // The thread stops at once, whether it is waiting or drawing.
            let _ = shown.stop.send(());
            if let Some(thread) = shown.thread.take() {
                let _ = thread.join();
            }
            if let Ok(mut current) = CURRENT.lock() {
                *current = None;
            }
            shown.bar.finish_and_clear();
        }
    }
}

impl Shown {
    fn start(colour: bool, label: String, measure: Measure, rows: Arc<AtomicU64>) -> Option<Shown> {
        // Hidden until set up, so that no half-made bar is drawn.
        let bar = ProgressBar::with_draw_target(measure.total, ProgressDrawTarget::hidden());
        bar.set_style(style(colour, &measure));
        bar.set_prefix(short(&label));
        bar.set_message(match measure.bytes {
            Some(_) => format!("0 {}", measure.unit),
            None => measure.unit.to_string(),
        });
        bar.set_draw_target(ProgressDrawTarget::stderr());
        let draw = {
            let bar = bar.clone();
            move || {
                let done = rows.load(Ordering::Relaxed);
                match &measure.bytes {
                    // The message first: setting the position may draw.
                    Some(bytes) => {
                        bar.set_message(format!("{} {}", super::grouped(done), measure.unit));
                        bar.set_position(bytes.load(Ordering::Relaxed));
                    }
                    None => {
                        bar.set_message(measure.unit);
                        bar.set_position(done);
                    }
                }
                bar.tick();
            }
        };
        draw();
        let (stop, stopped) = channel::<()>();
        let thread = std::thread::Builder::new()
            .name("layak-progress".into())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(TICK) {
                    draw();
                }
            });
        let Ok(thread) = thread else {
            // No thread for it (a process limit): no bar rather than a frozen one.
            bar.finish_and_clear();
            return None;
        };
        if let Ok(mut current) = CURRENT.lock() {
            *current = Some(bar.clone());
        }
        Some(Shown {
            bar,
            stop,
            thread: Some(thread),
        })
    }
}

/// A label short enough to leave the bar room on an 80-column terminal:
/// a long file name keeps its end.
fn short(label: &str) -> String {
    const MAX: usize = 32;
    let n = label.chars().count();
    if n <= MAX {
        return label.to_string();
    }
    let tail: String = label.chars().skip(n - (MAX - 1)).collect();
    format!("…{tail}")
}

/// The bar's look: with the file's size, a bar with the time left; without,
/// a spinner with the counts.
fn style(colour: bool, measure: &Measure) -> ProgressStyle {
    let bytes = measure.bytes.is_some();
    let total = measure.total.is_some();
    let style = if total {
        ProgressStyle::default_bar()
    } else {
        ProgressStyle::default_spinner()
    };
    // The templates are fixed (a test parses each); the plain look otherwise.
    style
        .template(template(colour, bytes, total))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
}

fn template(colour: bool, bytes: bool, total: bool) -> &'static str {
    match (bytes, total, colour) {
        (true, true, true) => {
            "{prefix} [{wide_bar:.cyan/blue}] {bytes}/{total_bytes} {msg} {binary_bytes_per_sec} {eta} left"
        }
        (true, true, false) => {
            "{prefix} [{wide_bar}] {bytes}/{total_bytes} {msg} {binary_bytes_per_sec} {eta} left"
        }
        (true, false, true) => {
            "{spinner:.cyan} {prefix}: {bytes}, {msg}, {binary_bytes_per_sec}, {elapsed}"
        }
        (true, false, false) => {
            "{spinner} {prefix}: {bytes}, {msg}, {binary_bytes_per_sec}, {elapsed}"
        }
        (false, _, true) => "{spinner:.cyan} {prefix}: {human_pos} {msg}, {per_sec}, {elapsed}",
        (false, _, false) => "{spinner} {prefix}: {human_pos} {msg}, {per_sec}, {elapsed}",
    }
}

/// Open `path` (`-`: standard input) counting the bytes read into `bytes`,
/// and map it to the policy.
pub(super) fn open_counted(
    policy: &crate::policy::Policy,
    path: &str,
    read: &ReadOptions,
    bytes: &Arc<AtomicU64>,
) -> anyhow::Result<(Source, Layout)> {
    let (name, raw) = input::open_raw(path)?;
    let source = input::from_reader(name, counting(raw, bytes), read)?;
    let layout = super::common::layout_for(policy, &source, read)?;
    Ok((source, layout))
}

/// `inner`, counting the bytes read from it into `bytes`.
pub(super) fn counting(
    inner: Box<dyn Read + Send>,
    bytes: &Arc<AtomicU64>,
) -> Box<dyn Read + Send> {
    Box::new(Counting {
        inner,
        bytes: Arc::clone(bytes),
    })
}

struct Counting {
    inner: Box<dyn Read + Send>,
    bytes: Arc<AtomicU64>,
}

impl Read for Counting {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decide(terminal: bool, quiet: bool, term: Option<&str>, no_color: Option<&str>) -> Setting {
        Setting::decide(
            terminal,
            quiet,
            term.map(OsStr::new),
            no_color.map(OsStr::new),
        )
    }

    #[test]
    fn shown_on_a_terminal_only() {
        assert!(decide(true, false, Some("xterm-256color"), None).shown());
        assert!(decide(true, false, None, None).shown());
        assert!(!decide(false, false, Some("xterm"), None).shown());
    }

    #[test]
    fn never_with_quiet_nor_on_a_dumb_terminal() {
        assert!(!decide(true, true, Some("xterm"), None).shown());
        assert!(!decide(true, false, Some("dumb"), None).shown());
        assert!(decide(true, false, Some("dumber"), None).shown());
    }

    #[test]
    fn no_color_set_and_not_empty_drops_the_colour_only() {
        let plain = decide(true, false, Some("xterm"), Some("1"));
        assert!(!plain.colour);
        assert!(plain.shown());
        assert!(decide(true, false, Some("xterm"), Some("")).colour);
        assert!(decide(true, false, Some("xterm"), None).colour);
    }

    #[test]
    fn hidden_progress_adds_no_counter_to_the_pipeline() {
        let hidden = decide(false, false, None, None);
        let p = Progress::start(hidden, "reading x".into(), Measure::households());
        assert!(p.options(&pipeline::Options::default()).progress.is_none());
    }

    #[test]
    fn the_size_is_known_for_a_regular_file_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        std::fs::write(&path, "id\n1\n").unwrap();
        assert_eq!(size_of(path.to_str().unwrap()), Some(5));
        assert_eq!(size_of("-"), None);
        assert_eq!(size_of(dir.path().to_str().unwrap()), None);
    }

    #[test]
    fn the_counting_reader_counts_every_byte() {
        let bytes = Arc::new(AtomicU64::new(0));
        let mut r = counting(Box::new(io::Cursor::new(vec![7u8; 10_000])), &bytes);
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(bytes.load(Ordering::Relaxed), 10_000);
    }

    #[test]
    fn a_long_label_keeps_its_end() {
        assert_eq!(short("reading big.csv"), "reading big.csv");
        let long = format!("reading /data/{}/census.csv", "x".repeat(40));
        let s = short(&long);
        assert_eq!(s.chars().count(), 32);
        assert!(s.starts_with('…') && s.ends_with("census.csv"), "{s}");
    }

    #[test]
    fn every_look_parses_and_no_color_has_no_colour() {
        for bytes in [true, false] {
            for total in [true, false] {
                for colour in [true, false] {
                    let t = template(colour, bytes, total);
                    assert!(ProgressStyle::with_template(t).is_ok(), "{t}");
                    assert_eq!(t.contains(".cyan"), colour, "{t}");
                    // The time left only where the size is known.
                    assert_eq!(t.contains("{eta}"), bytes && total, "{t}");
                }
            }
        }
    }
}
