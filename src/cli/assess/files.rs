//! The plumbing of `assess`'s files: the counting (and spilling) input
//! reader, the temporary copy of standard input, and where rejects go.

use super::*;

/// Open `path` (`-`: standard input) counting the bytes read into `bytes`,
/// and copying them to `spill` when given.
pub(super) fn open_counted(
    path: &str,
    options: &ReadOptions,
    bytes: Arc<AtomicU64>,
    spill: Option<&Spill>,
) -> anyhow::Result<input::Source> {
    let (name, raw) = input::open_raw(path)?;
    let copy = match spill {
        Some(s) => Some((
            s.path().to_path_buf(),
            io::BufWriter::with_capacity(1 << 16, s.file.try_clone()?),
        )),
        None => None,
    };
    let reader = Counted {
        inner: raw,
        bytes,
        copy,
    };
    Ok(input::from_reader(name, Box::new(reader), options)?)
}

/// A reader that counts what it reads and can copy it to a file.
struct Counted {
    inner: Box<dyn Read + Send>,
    bytes: Arc<AtomicU64>,
    copy: Option<(PathBuf, io::BufWriter<std::fs::File>)>,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        if let Some((path, w)) = &mut self.copy {
            let written = if n == 0 {
                w.flush()
            } else {
                w.write_all(&buf[..n])
            };
            written.map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!(
                        "cannot write the temporary copy {} for --budget: {e}",
                        path.display()
                    ),
                )
            })?;
        }
        Ok(n)
    }
}

/// A temporary copy of standard input (or a pipe) for the second pass of
/// --budget: readable by its owner only, removed when dropped (or on SIGINT
/// and SIGTERM).
pub(in crate::cli) struct Spill {
    temp: TempFile,
    file: std::fs::File,
}

impl Spill {
    pub(super) fn create() -> io::Result<Spill> {
        let pid = std::process::id();
        let (temp, file) = TempFile::create_in(&std::env::temp_dir(), |attempt| {
            format!("layak-budget-{pid}-{attempt}.csv")
        })?;
        Ok(Spill { temp, file })
    }

    pub(in crate::cli) fn path(&self) -> &Path {
        self.temp.path()
    }
}

/// The rejects sink of a run, noting the first rejects of each reason for
/// the `--report`.
pub(in crate::cli) struct Noted<'a> {
    sink: &'a mut Rejects,
    report: Option<&'a mut ReportFile>,
}

impl<'a> Noted<'a> {
    pub(in crate::cli) fn new(
        sink: &'a mut Rejects,
        report: &'a mut Option<ReportFile>,
    ) -> Noted<'a> {
        Noted {
            sink,
            report: report.as_mut(),
        }
    }
}

impl RejectSink for Noted<'_> {
    fn reject(&mut self, r: &Reject) -> io::Result<()> {
        if let Some(report) = &mut self.report {
            report.examples.note(r);
        }
        self.sink.reject(r)
    }
}

/// Where rejects go: CSV (to a file or standard output; Parquet when the file
/// is named so), or readable lines on standard error (the first few); and
/// the "rejects" sheet of an xlsx output.
pub(in crate::cli) struct Rejects {
    pub(super) to: RejectsTo,
    pub(super) book: Option<tables::SharedBook>,
}

pub(in crate::cli) enum RejectsTo {
    /// `raw`: text as read (the CSV is read back into a Parquet file).
    File {
        sink: Sink,
        buf: Vec<u8>,
        raw: bool,
    },
    Stderr {
        name: String,
        shown: u64,
    },
}

impl Rejects {
    /// Name the input in the lines listed on standard error.
    pub(in crate::cli) fn name_input(&mut self, input_name: &str) {
        if let RejectsTo::Stderr { name, .. } = &mut self.to {
            *name = input_name.to_string();
        }
    }
}

impl RejectSink for Rejects {
    fn reject(&mut self, r: &Reject) -> io::Result<()> {
        if let Some(book) = &self.book {
            book.borrow_mut().reject(r)?;
        }
        match &mut self.to {
            RejectsTo::File { sink, buf, raw } => {
                if *raw {
                    report::write_reject_raw(r, buf);
                } else {
                    report::write_reject_csv(r, buf);
                }
                if buf.len() >= FLUSH_AT {
                    sink.write_all(buf)?;
                    buf.clear();
                }
            }
            RejectsTo::Stderr { name, shown } => {
                if *shown < STDERR_REJECT_LIMIT {
                    *shown += 1;
                    progress::suspend(|| writeln!(io::stderr().lock(), "reject: {name}: {r}").ok());
                }
            }
        }
        Ok(())
    }
}
