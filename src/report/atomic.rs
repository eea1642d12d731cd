//! Output files that appear whole or not at all, alone and together.
//!
//! [`AtomicFile`] writes to a temporary file in the target's folder (so the
//! final rename stays on one file system) and renames it over the target only
//! when committed. Dropped without a commit (an error, a `--strict` stop), it
//! removes the temporary file, and any earlier file at the target is left
//! untouched.
//!
//! The outputs of one run (decisions, rejects, summary) are committed
//! together by [`commit_all`]: every file is flushed and synced first, and
//! only when all of them are complete are they renamed into place. A failure
//! before that point renames nothing and removes every temporary file.
//!
//! Every temporary file ([`TempFile`]) is created readable by its owner only
//! (mode 0600 on Unix: it holds personal data) and is listed in a
//! process-wide registry while it exists, so that a signal handler can remove
//! them all ([`remove_live_temporaries`]) before the process ends. An output
//! that replaces an earlier file takes that file's mode; a new output takes
//! the usual mode for a new file (0666 less the umask).
//!
//! A target that exists and is not a regular file (`/dev/null`, a named
//! pipe, a terminal) is written in place: renaming over it would replace the
//! device with a file.
//!
//! A target named `….gz` or `….zst` is written compressed
//! ([`compress`](super::compress)); the compressed stream is ended before
//! the file is synced, so a committed file is always whole.

use std::fs::{File, OpenOptions, Permissions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::compress::{Compression, Encoder};

/// Temporary files that exist now and must not outlive the process.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn live() -> MutexGuard<'static, Vec<PathBuf>> {
    // A thread that panicked while holding the lock left the list intact
    // (every change to it is a single push or removal).
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Remove every temporary file that exists now, for a process about to end
/// (on SIGINT or SIGTERM).
///
/// The returned guard keeps the registry locked: while it is held, no new
/// temporary file can be created and no commit can start or be half done, so
/// the caller holds it until the process exits. A commit that was under way
/// has either renamed every file of its set or none.
pub(crate) fn remove_live_temporaries() -> MutexGuard<'static, Vec<PathBuf>> {
    let mut live = live();
    for path in live.drain(..) {
        let _ = std::fs::remove_file(&path);
    }
    live
}

/// A temporary file: private to its owner, registered while it exists,
/// removed when dropped unless it was renamed into place.
#[derive(Debug)]
pub(crate) struct TempFile {
    path: PathBuf,
    /// False once renamed or removed: nothing left to clean up.
    armed: bool,
}

impl TempFile {
    /// Create a new file in `dir` named `name(attempt)`, trying again with
    /// the next attempt number while the name is taken.
    pub(crate) fn create_in(
        dir: &Path,
        name: impl Fn(u32) -> String,
    ) -> io::Result<(TempFile, File)> {
        let mut attempt = 0u32;
        loop {
            let path = dir.join(name(attempt));
            // Created and registered under the registry's lock, so that a
            // signal cannot strike between the two and leave it behind.
            let mut live = live();
            match private_options().open(&path) {
                Ok(file) => {
                    live.push(path.clone());
                    return Ok((TempFile { path, armed: true }, file));
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => {
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Rename over `target`, with the registry locked by the caller. On
    /// failure the temporary file is removed.
    fn rename_over(mut self, target: &Path, live: &mut Vec<PathBuf>) -> io::Result<()> {
        let renamed = std::fs::rename(&self.path, target);
        if renamed.is_err() {
            let _ = std::fs::remove_file(&self.path);
        }
        live.retain(|p| *p != self.path);
        // Disarmed here: dropping must not lock the registry the caller holds.
        self.armed = false;
        renamed
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.armed {
            let mut live = live();
            let _ = std::fs::remove_file(&self.path);
            live.retain(|p| *p != self.path);
        }
    }
}

/// Options that create a new file readable and writable by its owner only.
fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// A file being written, renamed into place on commit.
pub(crate) struct AtomicFile {
    /// The path as given, for messages.
    shown: PathBuf,
    /// Where the file ends up (a symbolic link resolved).
    target: PathBuf,
    state: State,
}

enum State {
    /// The target is not a regular file: written in place.
    InPlace(Encoder<BufWriter<File>>),
    /// Written to `temp`, renamed over the target on commit.
    Temp {
        temp: TempFile,
        writer: Encoder<BufWriter<File>>,
        /// The mode of the file being replaced (`None`: there was none).
        replaced_mode: Option<Permissions>,
    },
    /// Committed, or failed while committing.
    Closed,
}

impl AtomicFile {
    /// Create the temporary file beside `target` (compressing what is
    /// written when the name of `target` ends in `.gz` or `.zst`).
    pub(crate) fn create(target: &Path) -> io::Result<AtomicFile> {
        let shown = target.to_path_buf();
        let compression = Compression::of_path(target);
        // Through a symbolic link, write where it points: renaming over the
        // link would replace the link itself (think of `/dev/stderr`).
        let resolved = std::fs::canonicalize(target).ok();
        let target = resolved.as_deref().unwrap_or(target);
        let existing = std::fs::metadata(target).ok();
        if let Some(meta) = &existing {
            if meta.is_dir() {
                return Err(io::Error::new(
                    io::ErrorKind::IsADirectory,
                    format!("{} is a folder, not a file", shown.display()),
                ));
            }
            if !meta.is_file() {
                let f = OpenOptions::new().write(true).open(target)?;
                return Ok(AtomicFile {
                    shown,
                    target: target.to_path_buf(),
                    state: State::InPlace(Encoder::new(
                        BufWriter::with_capacity(1 << 16, f),
                        compression,
                    )?),
                });
            }
        }
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".into());
        let pid = std::process::id();
        let (temp, file) =
            TempFile::create_in(&dir, |attempt| format!(".{name}.layak-{pid}-{attempt}.tmp"))?;
        Ok(AtomicFile {
            shown,
            target: target.to_path_buf(),
            state: State::Temp {
                temp,
                writer: Encoder::new(BufWriter::with_capacity(1 << 16, file), compression)?,
                replaced_mode: existing.map(|m| m.permissions()),
            },
        })
    }

    /// Flush, sync and rename over the target.
    pub(crate) fn commit(self) -> Result<(), CommitError> {
        commit_all(vec![self])
    }

    /// Flush and sync; give the temporary file its final mode. The file is
    /// complete on disk afterwards, but not yet in place.
    fn prepare(mut self) -> Result<Prepared, CommitError> {
        let fail = |shown: &Path, source: io::Error| CommitError {
            path: shown.to_path_buf(),
            source,
            replaced: Vec::new(),
        };
        match std::mem::replace(&mut self.state, State::Closed) {
            State::InPlace(writer) => {
                let mut writer = writer.finish().map_err(|e| fail(&self.shown, e))?;
                writer.flush().map_err(|e| fail(&self.shown, e))?;
                Ok(Prepared {
                    shown: self.shown.clone(),
                    target: self.target.clone(),
                    temp: None,
                })
            }
            State::Temp {
                temp,
                writer,
                replaced_mode,
            } => {
                let file = writer
                    .finish()
                    .map_err(|e| fail(&self.shown, e))?
                    .into_inner()
                    .map_err(|e| fail(&self.shown, e.into_error()))?;
                file.sync_all().map_err(|e| fail(&self.shown, e))?;
                if let Some(mode) = final_mode(replaced_mode, temp.path()) {
                    file.set_permissions(mode)
                        .map_err(|e| fail(&self.shown, e))?;
                }
                Ok(Prepared {
                    shown: self.shown.clone(),
                    target: self.target.clone(),
                    temp: Some(temp),
                })
            }
            State::Closed => Err(fail(
                &self.shown,
                io::Error::other("file already committed"),
            )),
        }
    }
}

/// The mode an output takes: that of the file it replaces, or the usual mode
/// of a new file.
#[cfg(unix)]
fn final_mode(replaced: Option<Permissions>, temp: &Path) -> Option<Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(replaced.unwrap_or_else(|| Permissions::from_mode(0o666 & !umask(temp))))
}

/// Outside Unix a file has no mode to keep (only a read-only flag, and a
/// read-only file cannot be replaced anyway).
#[cfg(not(unix))]
fn final_mode(_replaced: Option<Permissions>, _temp: &Path) -> Option<Permissions> {
    None
}

/// The process's umask, learned once: from `/proc/self/status` on Linux,
/// else from the mode of an empty probe file created beside `near` (the
/// standard library has no call that reads the umask without changing it).
#[cfg(unix)]
fn umask(near: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    static UMASK: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *UMASK.get_or_init(|| {
        if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
            let field = status
                .lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok());
            if let Some(mask) = field {
                return mask & 0o777;
            }
        }
        let probe = near.with_extension("umask-probe");
        let learned = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&probe)
            .and_then(|f| f.metadata())
            .map(|m| 0o666 & !m.permissions().mode());
        let _ = std::fs::remove_file(&probe);
        learned.unwrap_or(0o022)
    })
}

/// A file complete on disk, waiting to be renamed into place.
struct Prepared {
    shown: PathBuf,
    target: PathBuf,
    temp: Option<TempFile>,
}

/// Commit several files as one: all are flushed and synced before the first
/// is renamed into place. On a failure before the renames, nothing is
/// renamed and every temporary file is removed.
///
/// The renames happen with the temporary-file registry locked, so a signal
/// arriving meanwhile is handled before the first or after the last. A
/// rename that fails after others succeeded (it should not: each is within
/// one folder) is reported with the files already replaced.
pub(crate) fn commit_all(files: Vec<AtomicFile>) -> Result<(), CommitError> {
    let mut prepared = Vec::with_capacity(files.len());
    // On an error, the files not yet prepared and those prepared are dropped:
    // their temporary files are removed.
    for file in files {
        prepared.push(file.prepare()?);
    }
    let mut live = live();
    let mut replaced = Vec::new();
    let mut failure = None;
    let mut pending = prepared.into_iter();
    for file in pending.by_ref() {
        if let Some(temp) = file.temp {
            if let Err(source) = temp.rename_over(&file.target, &mut live) {
                failure = Some(CommitError {
                    path: file.shown,
                    source,
                    replaced: std::mem::take(&mut replaced),
                });
                break;
            }
        }
        replaced.push(file.shown);
    }
    // Unlocked before the rest are dropped: dropping a temporary file locks
    // the registry.
    drop(live);
    drop(pending);
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// An output file that could not be completed or put in place.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}{}", path.display(), replaced_note(replaced))]
pub(crate) struct CommitError {
    /// The output as given on the command line.
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
    /// Outputs of the same set already renamed into place (normally none).
    pub replaced: Vec<PathBuf>,
}

fn replaced_note(replaced: &[PathBuf]) -> String {
    if replaced.is_empty() {
        return String::new();
    }
    let names: Vec<String> = replaced.iter().map(|p| p.display().to_string()).collect();
    format!(
        " (already replaced before the failure: {})",
        names.join(", ")
    )
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // Abandoned (an error, a `--strict` stop): the buffered bytes are
        // discarded rather than written into a file about to be removed, and
        // the temporary file is removed (by `TempFile`).
        if let State::Temp { writer, .. } = std::mem::replace(&mut self.state, State::Closed) {
            if let Some(writer) = writer.abandon() {
                let _ = writer.into_parts();
            }
        }
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.state {
            State::InPlace(w) | State::Temp { writer: w, .. } => w.write(buf),
            State::Closed => Err(io::Error::other("file already committed")),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.state {
            State::InPlace(w) | State::Temp { writer: w, .. } => w.write_all(buf),
            State::Closed => Err(io::Error::other("file already committed")),
        }
    }
    /// Passed on, so that a large vectored write (stage mode's Arrow
    /// messages) reaches the file without a copy through the `BufWriter`.
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        match &mut self.state {
            State::InPlace(w) | State::Temp { writer: w, .. } => w.write_vectored(bufs),
            State::Closed => Err(io::Error::other("file already committed")),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.state {
            State::InPlace(w) | State::Temp { writer: w, .. } => w.flush(),
            State::Closed => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_replaces_and_drop_discards() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        std::fs::write(&target, "old").unwrap();

        let mut f = AtomicFile::create(&target).unwrap();
        f.write_all(b"half").unwrap();
        drop(f);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

        let mut f = AtomicFile::create(&target).unwrap();
        f.write_all(b"new").unwrap();
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_set_is_committed_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        let b = dir.path().join("b.csv");
        std::fs::write(&a, "old a").unwrap();
        let mut fa = AtomicFile::create(&a).unwrap();
        fa.write_all(b"new a").unwrap();
        let mut fb = AtomicFile::create(&b).unwrap();
        fb.write_all(b"new b").unwrap();
        // The set fails before any rename when one file cannot be completed:
        // here a file already committed, which is refused.
        let committed = AtomicFile::create(&dir.path().join("c.csv")).unwrap();
        let mut closed = committed;
        closed.state = State::Closed;
        assert!(commit_all(vec![fa, fb, closed]).is_err());
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old a");
        assert!(!b.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

        let mut fa = AtomicFile::create(&a).unwrap();
        fa.write_all(b"new a").unwrap();
        let mut fb = AtomicFile::create(&b).unwrap();
        fb.write_all(b"new b").unwrap();
        commit_all(vec![fa, fb]).unwrap();
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "new a");
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "new b");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn a_folder_is_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let err = AtomicFile::create(dir.path()).err().unwrap();
        assert_eq!(err.kind(), io::ErrorKind::IsADirectory);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[cfg(unix)]
    #[test]
    fn temporaries_are_private_and_a_replaced_file_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        std::fs::write(&target, "old").unwrap();
        std::fs::set_permissions(&target, Permissions::from_mode(0o640)).unwrap();
        let mut f = AtomicFile::create(&target).unwrap();
        let temp = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p != &target)
            .unwrap();
        assert_eq!(mode(&temp), 0o600);
        f.write_all(b"new").unwrap();
        f.commit().unwrap();
        assert_eq!(mode(&target), 0o640);
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_is_followed_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.csv");
        let link = dir.path().join("link.csv");
        std::fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let mut f = AtomicFile::create(&link).unwrap();
        f.write_all(b"new").unwrap();
        f.commit().unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_written_in_place_not_replaced() {
        let null = Path::new("/dev/null");
        if !null.exists() {
            return;
        }
        let mut f = AtomicFile::create(null).unwrap();
        f.write_all(b"discarded").unwrap();
        f.commit().unwrap();
        let meta = std::fs::metadata(null).unwrap();
        assert!(!meta.is_file(), "/dev/null must stay a device");
    }
}
