//! The `layak` binary: parse arguments, run, map the outcome to an exit code.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use layak::ExitStatus;

fn main() -> ExitCode {
    let cli = layak::cli::Cli::parse();
    match layak::cli::run(cli) {
        Ok(status) => status.into(),
        Err(err) => {
            // A closed pipe (`layak assess big.csv | head`) is not an error.
            if err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitStatus::Success.into();
            }
            let code = layak::cli::exit_status_of(&err);
            let mut stderr = std::io::stderr().lock();
            writeln!(stderr, "{}", layak::cli::render_error(&err)).ok();
            code.into()
        }
    }
}
