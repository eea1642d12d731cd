//! Telling a Parquet file by its bytes and opening it: in place for a
//! regular file, else from a private temporary copy; damaged files as
//! errors, never panics.

use super::*;

/// Bytes looked at: the magic number and the byte after it.
pub(super) const HEAD: usize = 8;

/// Look at the first bytes of `raw`; a Parquet file becomes a [`Source`]
/// whose rows are read by [`Rows`].
pub(crate) fn sniff(name: &str, mut raw: Box<dyn Read + Send>) -> Result<Sniffed, InputError> {
    let mut head = Vec::with_capacity(HEAD);
    let mut ended = false;
    while head.len() < HEAD {
        let mut byte = [0; HEAD];
        let want = HEAD - head.len();
        match raw.read(&mut byte[..want]) {
            Ok(0) => {
                ended = true;
                break;
            }
            Ok(n) => head.extend_from_slice(&byte[..n.min(want)]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(InputError::reading(name, e)),
        }
    }
    // `PAR1` and a byte that no text header has; or, for a file, `PAR1`
    // at both ends (a damaged first page must not make it "text").
    let confirmed = head.len() > 4
        && crate::input::decode::sniff(&head)
            == crate::input::decode::Kind::Other(crate::input::decode::Binary::Parquet);
    let same = if head.starts_with(b"PAR1") {
        same_file(name, &head)
    } else {
        None
    };
    let parquet = confirmed || same.as_ref().is_some_and(ends_with_magic);
    if !parquet {
        let head = io::Cursor::new(head);
        return Ok(Sniffed::Other(if ended {
            Box::new(head)
        } else {
            Box::new(head.chain(raw))
        }));
    }
    let in_place = same.is_some();
    let file = match same {
        Some(file) => file,
        None => spill(name, &head, &mut *raw)?,
    };
    let mut table = Table::open(name, file)?;
    if in_place {
        table.in_place = Some(table.len);
    }
    let header = table
        .meta
        .schema()
        .fields()
        .iter()
        .map(|f| header_name(f.name()))
        .collect();
    let text_only = TextOnly {
        name: name.to_string(),
    };
    let chunker = Chunker::new(Box::new(text_only), b',', Vec::new(), 0, 2, false);
    Ok(Sniffed::Parquet(Box::new(Source {
        name: name.to_string(),
        delimiter: b',',
        header,
        delimiter_hint: None,
        header_line: 1,
        chunker,
        sheet: None,
        table: Some(Box::new(table)),
    })))
}

/// A header name as CSV header names are matched: trimmed of white space
/// and invisible marks.
pub(super) fn header_name(raw: &str) -> String {
    raw.trim_matches(|c: char| {
        c.is_whitespace() || matches!(c, '\u{feff}' | '\u{200b}' | '\u{2060}')
    })
    .to_string()
}

/// The rows of a Parquet source as CSV text, for commands that read text
/// (`explain`, person files): not there yet, a clear error instead.
pub(super) struct TextOnly {
    name: String,
}

impl Read for TextOnly {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        let _ = &self.name;
        Err(io::Error::other(ParquetProblem::TextOnly))
    }
}

/// Whether a file ends with Parquet's magic number.
pub(super) fn ends_with_magic(file: &File) -> bool {
    let mut file = file;
    let mut tail = [0; 4];
    file.seek(io::SeekFrom::End(-4)).is_ok()
        && file.read_exact(&mut tail).is_ok()
        && &tail == b"PAR1"
}

/// `name` as a regular file that starts with `head`: the file the input was
/// opened from (read in place, without a copy).
pub(super) fn same_file(name: &str, head: &[u8]) -> Option<File> {
    if name == "<stdin>" || !std::fs::metadata(name).is_ok_and(|m| m.is_file()) {
        return None;
    }
    let mut file = File::open(name).ok()?;
    let mut start = vec![0; head.len()];
    file.read_exact(&mut start).ok()?;
    (start == head).then_some(file)
}

/// Copy the input (its first bytes `head`, then the rest of `raw`) to a
/// private temporary file, unlinked at once where the system allows.
pub(super) fn spill(name: &str, head: &[u8], raw: &mut dyn Read) -> Result<File, InputError> {
    let failed = |source: io::Error| InputError::Io {
        file: name.to_string(),
        source: io::Error::new(
            source.kind(),
            format!(
                "cannot copy the Parquet data to a temporary file in {} (Parquet is read from its end): {source}",
                std::env::temp_dir().display()
            ),
        ),
    };
    let (mut file, path) = create_private().map_err(failed)?;
    let written = (|| {
        file.write_all(head)?;
        let mut out = io::BufWriter::with_capacity(1 << 16, &mut file);
        io::copy(raw, &mut out)?;
        out.flush()
    })();
    if let Some(path) = path {
        let _ = std::fs::remove_file(path);
    }
    match written {
        Ok(()) => Ok(file),
        Err(e) if e.kind() == io::ErrorKind::InvalidData => Err(InputError::reading(name, e)),
        Err(e) => Err(failed(e)),
    }
}

/// A new temporary file readable by its owner only. On Unix it is already
/// unlinked (no path returned); elsewhere the caller removes the path.
pub(super) fn create_private() -> io::Result<(File, Option<std::path::PathBuf>)> {
    let dir = std::env::temp_dir();
    let pid = std::process::id();
    let mut attempt = 0u32;
    loop {
        let path = dir.join(format!("layak-parquet-{pid}-{attempt}.tmp"));
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&path) {
            Ok(file) => {
                #[cfg(unix)]
                {
                    std::fs::remove_file(&path)?;
                    return Ok((file, None));
                }
                #[cfg(not(unix))]
                return Ok((file, Some(path)));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 1000 => attempt += 1,
            Err(e) => return Err(e),
        }
    }
}

/// Run a call into the Parquet reader, turning a panic on malformed data
/// into an error (the reader is not meant to panic, but a damaged file must
/// never end the run with a backtrace).
pub(super) fn guarded<T>(f: impl FnOnce() -> parquet::errors::Result<T>) -> Result<T, String> {
    quiet_panics();
    QUIET.with(|q| q.set(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    match result {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => Err(panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "the reader failed".to_string())),
    }
}

thread_local! {
    /// Inside [`guarded`]: a panic is an error value, not a message.
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Install (once) a panic hook that stays silent inside [`guarded`].
pub(super) fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(|q| q.get()) {
                previous(info);
            }
        }));
    });
}

pub(super) fn corrupt(name: &str, detail: &str) -> InputError {
    InputError::Parquet {
        file: name.to_string(),
        problem: Box::new(ParquetProblem::Corrupt {
            detail: excerpt(detail.as_bytes(), 160),
        }),
    }
}
