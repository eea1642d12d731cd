//! The outputs of one run, checked together before any row is read.
//!
//! Two outputs naming one file would overwrite each other, and an output
//! naming the input would destroy it, whether or not the file exists yet. So
//! each file output is identified by what its final rename will replace —
//! the canonical folder and the file name — and, where the file exists, by
//! device and inode, which also catches hard links, symbolic links,
//! `/dev/stdout` and `/proc/self/fd/1`. Standard output, when the run writes
//! to it, is identified by `fstat` on descriptor 1, and standard input by
//! descriptor 0. The null device is never a conflict: writing it twice loses
//! nothing.

use std::path::{Path, PathBuf};

/// Where one output goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Destination<'a> {
    Stdout,
    /// A file, as typed on the command line.
    File(&'a str),
}

/// One output of a run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Output<'a> {
    /// The option that asked for it (`-o`, `--rejects`), for messages.
    pub flag: &'static str,
    /// What it holds (`the decisions`), for messages.
    pub holds: &'static str,
    pub destination: Destination<'a>,
}

/// Where the run reads its rows.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Input<'a> {
    Stdin,
    File(&'a str),
}

/// An output that cannot be written as asked: a command-line mistake.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PathError {
    #[error("{flag} '': the file name is empty")]
    Empty { flag: &'static str },
    #[error("{flag} {path}: a file name cannot end with `{separator}`, which makes it a folder")]
    TrailingSeparator {
        flag: &'static str,
        path: String,
        separator: char,
    },
    #[error("{flag} {path} is a folder: give the name of a file (in it, or elsewhere)")]
    Folder { flag: &'static str, path: String },
    #[error("{flag} {path} does not name a file")]
    NoFileName { flag: &'static str, path: String },
    #[error("{flag} {path} is the input file: refusing to overwrite it")]
    Input { flag: &'static str, path: String },
    #[error("{flag} {path} is standard output, which already carries {holds}: give another file")]
    Stdout {
        flag: &'static str,
        path: String,
        holds: &'static str,
    },
    #[error(
        "{first_flag} and {second_flag} both write to standard output: give one of them a file"
    )]
    StdoutTwice {
        first_flag: &'static str,
        second_flag: &'static str,
    },
    #[error("{first_flag} {first} and {second_flag} {second} name the same file")]
    Same {
        first_flag: &'static str,
        first: String,
        second_flag: &'static str,
        second: String,
    },
}

/// Device and inode of an existing file.
type Node = (u64, u64);

/// What an output file will replace.
#[derive(Debug)]
struct Identity {
    /// The canonical folder joined with the file name (the path lexically
    /// when its folder does not exist: creating it will fail anyway).
    resolved: PathBuf,
    /// Where the file exists (and is not the null device).
    node: Option<Node>,
    /// The null device: writing it twice loses nothing.
    null_device: bool,
}

/// Check every output of a run against the others, the input and standard
/// output, before anything is created or read.
pub(crate) fn check(input: Input<'_>, outputs: &[Output<'_>]) -> Result<(), PathError> {
    let mut files: Vec<(&Output<'_>, &str, Identity)> = Vec::new();
    let mut stdout_user: Option<&Output<'_>> = None;
    for output in outputs {
        match output.destination {
            Destination::Stdout => {
                if let Some(first) = stdout_user {
                    return Err(PathError::StdoutTwice {
                        first_flag: first.flag,
                        second_flag: output.flag,
                    });
                }
                stdout_user = Some(output);
            }
            Destination::File(path) => {
                let identity = identify_output(output.flag, path)?;
                files.push((output, path, identity));
            }
        }
    }

    let input_identity = match input {
        Input::File(path) => Some(identify_existing(Path::new(path))),
        Input::Stdin => standard_stream_node(Stream::Input).map(|node| Identity {
            resolved: PathBuf::new(),
            node: Some(node),
            null_device: false,
        }),
    };
    let stdout_node = stdout_user.and_then(|_| standard_stream_node(Stream::Output));

    for (i, (output, path, identity)) in files.iter().enumerate() {
        if identity.null_device {
            continue;
        }
        if let Some(input) = &input_identity {
            let same_path =
                !input.resolved.as_os_str().is_empty() && input.resolved == identity.resolved;
            if same_path || same_node(input.node, identity.node) {
                return Err(PathError::Input {
                    flag: output.flag,
                    path: path.to_string(),
                });
            }
        }
        if let Some(user) = stdout_user {
            if same_node(stdout_node, identity.node) {
                return Err(PathError::Stdout {
                    flag: output.flag,
                    path: path.to_string(),
                    holds: user.holds,
                });
            }
        }
        for (other, other_path, other_identity) in &files[i + 1..] {
            if !other_identity.null_device && identity.resolved == other_identity.resolved
                || same_node(identity.node, other_identity.node)
            {
                return Err(PathError::Same {
                    first_flag: output.flag,
                    first: path.to_string(),
                    second_flag: other.flag,
                    second: other_path.to_string(),
                });
            }
        }
    }
    Ok(())
}

fn same_node(a: Option<Node>, b: Option<Node>) -> bool {
    matches!((a, b), (Some(a), Some(b)) if a == b)
}

/// Check that `path` can name an output file, and say what it will replace.
fn identify_output(flag: &'static str, path: &str) -> Result<Identity, PathError> {
    let owned = || path.to_string();
    if path.is_empty() {
        return Err(PathError::Empty { flag });
    }
    if let Some(last) = path.chars().last().filter(|&c| std::path::is_separator(c)) {
        return Err(PathError::TrailingSeparator {
            flag,
            path: owned(),
            separator: last,
        });
    }
    let as_path = Path::new(path);
    if std::fs::metadata(as_path).is_ok_and(|m| m.is_dir()) {
        return Err(PathError::Folder {
            flag,
            path: owned(),
        });
    }
    if std::fs::symlink_metadata(as_path).is_ok() {
        return Ok(identify_existing(as_path));
    }
    let Some(name) = as_path.file_name() else {
        return Err(PathError::NoFileName {
            flag,
            path: owned(),
        });
    };
    let folder = match as_path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let resolved = match std::fs::canonicalize(folder) {
        Ok(folder) => folder.join(name),
        Err(_) => as_path.to_path_buf(),
    };
    Ok(Identity {
        resolved,
        node: None,
        null_device: false,
    })
}

/// The identity of a path that exists (or is a dangling symbolic link).
fn identify_existing(path: &Path) -> Identity {
    let resolved = std::fs::canonicalize(path).unwrap_or_else(|_| {
        // A dangling link: the rename replaces the link itself.
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        match (std::fs::canonicalize(folder), path.file_name()) {
            (Ok(folder), Some(name)) => folder.join(name),
            _ => path.to_path_buf(),
        }
    });
    let meta = std::fs::metadata(path).ok();
    let node = meta.as_ref().and_then(node_of);
    Identity {
        resolved,
        node,
        null_device: meta.is_some() && node.is_none() && cfg!(unix),
    }
}

#[derive(Debug, Clone, Copy)]
enum Stream {
    Input,
    Output,
}

/// Device and inode of standard output, or of standard input when it is a
/// file (`< in.csv`: an output could destroy it; writing to the terminal or
/// pipe it reads from could not), from the open descriptor.
#[cfg(unix)]
fn standard_stream_node(stream: Stream) -> Option<Node> {
    use std::os::fd::AsFd;
    // A duplicate of the descriptor, as a File, gives `fstat` without unsafe code.
    let fd = match stream {
        Stream::Input => std::io::stdin().as_fd().try_clone_to_owned(),
        Stream::Output => std::io::stdout().as_fd().try_clone_to_owned(),
    }
    .ok()?;
    let meta = std::fs::File::from(fd).metadata().ok()?;
    match stream {
        Stream::Input if !meta.is_file() => None,
        _ => node_of(&meta),
    }
}

#[cfg(not(unix))]
fn standard_stream_node(_stream: Stream) -> Option<Node> {
    None
}

#[cfg(unix)]
fn node_of(meta: &std::fs::Metadata) -> Option<Node> {
    use std::os::unix::fs::MetadataExt;
    let node = (meta.dev(), meta.ino());
    let null = std::fs::metadata("/dev/null")
        .ok()
        .map(|m| (m.dev(), m.ino()));
    (Some(node) != null).then_some(node)
}

#[cfg(not(unix))]
fn node_of(_meta: &std::fs::Metadata) -> Option<Node> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file<'a>(flag: &'static str, path: &'a str) -> Output<'a> {
        Output {
            flag,
            holds: "the test",
            destination: Destination::File(path),
        }
    }

    fn in_dir<T>(f: impl FnOnce(&Path) -> T) -> T {
        let dir = tempfile::tempdir().unwrap();
        f(dir.path())
    }

    #[test]
    fn two_names_of_one_new_file_are_the_same_file() {
        in_dir(|dir| {
            let a = dir.join("out.csv");
            let b = dir.join(".").join("out.csv");
            let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
            let err = check(Input::Stdin, &[file("-o", a), file("--rejects", b)]);
            assert!(matches!(err, Err(PathError::Same { .. })), "{err:?}");
            let c = dir.join("other.csv");
            check(
                Input::Stdin,
                &[file("-o", a), file("--rejects", c.to_str().unwrap())],
            )
            .unwrap();
        });
    }

    #[cfg(unix)]
    #[test]
    fn a_hard_link_to_the_input_is_the_input() {
        in_dir(|dir| {
            let input = dir.join("in.csv");
            std::fs::write(&input, "x").unwrap();
            let link = dir.join("link.csv");
            std::fs::hard_link(&input, &link).unwrap();
            let err = check(
                Input::File(input.to_str().unwrap()),
                &[file("-o", link.to_str().unwrap())],
            );
            assert!(matches!(err, Err(PathError::Input { .. })), "{err:?}");
        });
    }

    #[test]
    fn names_that_cannot_be_files_are_refused() {
        in_dir(|dir| {
            let folder = dir.to_str().unwrap();
            let slash = format!("{folder}/out.csv/");
            for (path, ok) in [("", false), (folder, false), (slash.as_str(), false)] {
                let result = check(Input::Stdin, &[file("-o", path)]);
                assert_eq!(result.is_ok(), ok, "{path:?}: {result:?}");
            }
        });
    }

    #[test]
    fn the_null_device_is_never_a_conflict() {
        if !Path::new("/dev/null").exists() {
            return;
        }
        check(
            Input::Stdin,
            &[file("-o", "/dev/null"), file("--rejects", "/dev/null")],
        )
        .unwrap();
    }
}
