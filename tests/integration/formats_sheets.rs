//! The same households give byte-identical decisions, rejects and summary
//! from a CSV file and from the workbook a spreadsheet makes of it (.xlsx,
//! .ods), from a file or standard input, at one thread or several.
// See: issue 14 ("Done means": one CSV built into each format).

use crate::sheets::{AS_OF, ods, sheet, xlsx};
use crate::util::{Dir, Output, repo_text};

/// What a run left, with the input's name masked.
#[derive(Debug, PartialEq)]
struct Run {
    code: i32,
    decisions: String,
    rejects: String,
    summary: String,
    stderr: String,
}

fn run(dir: &Dir, input: &str, stdin: Option<&[u8]>, more: &[&str]) -> (Run, Output) {
    for f in ["out.csv", "rej.csv", "sum.json"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    let mut args = vec![
        "assess",
        input,
        "-o",
        "out.csv",
        "--rejects",
        "rej.csv",
        "--summary",
        "sum.json",
        "--by",
        "area",
        "--as-of",
        AS_OF,
    ];
    args.extend_from_slice(more);
    let out = match stdin {
        Some(bytes) => dir.run_stdin(&args, bytes),
        None => dir.run(&args),
    };
    out.no_panic();
    let shown = if input == "-" { "<stdin>" } else { input };
    // The summary's `input.bytes` is the size of the file read: the
    // workbook's, not its CSV's.
    let read = |f: &str| {
        std::fs::read_to_string(dir.join(f))
            .unwrap_or_default()
            .replace(shown, "INPUT")
            .lines()
            .map(|l| match l.trim_start().starts_with("\"bytes\":") {
                true => "    \"bytes\": N\n".to_string(),
                false => format!("{l}\n"),
            })
            .collect::<String>()
    };
    let run = Run {
        code: out.code,
        decisions: read("out.csv"),
        rejects: read("rej.csv"),
        summary: read("sum.json"),
        stderr: out.stderr.replace(shown, "INPUT"),
    };
    (run, out)
}

/// `got` equals `want`, or fail showing the first line that differs.
fn same(what: &str, want: &Run, got: &Run, out: &Output) {
    let fields = [
        ("code", want.code.to_string(), got.code.to_string()),
        ("decisions", want.decisions.clone(), got.decisions.clone()),
        ("rejects", want.rejects.clone(), got.rejects.clone()),
        ("summary", want.summary.clone(), got.summary.clone()),
        ("stderr", want.stderr.clone(), got.stderr.clone()),
    ];
    for (field, w, g) in fields {
        if w == g {
            continue;
        }
        let (n, (wl, gl)) = w
            .lines()
            .chain(std::iter::repeat(""))
            .zip(g.lines().chain(std::iter::repeat("")))
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .unwrap_or((0, ("", "")));
        panic!(
            "{what}: {field} differ at line {}:\n  want: {wl}\n  got:  {gl}\n{out}",
            n + 1
        );
    }
}

/// The sample as a spreadsheet holds it: its one short row (H040, 23
/// fields) has an empty 24th cell, as every row of a sheet has every
/// column. Everything else is the sample's: its broken rows, its empty
/// line, its quoted line break.
fn sample_as_a_sheet_holds_it() -> String {
    let sample = repo_text("data/sample-households.csv");
    let short = "\nH040,3201,rural,4,2000000,1,1,0,0,0,2,false,primary,3,40,cement,piped,private,true,gas,true,none,0\n";
    assert!(sample.contains(short));
    sample.replace(short, &format!("{},\n", short.trim_end()))
}

#[test]
fn the_sample_decides_the_same_from_csv_xlsx_and_ods() {
    let dir = Dir::new();
    let text = sample_as_a_sheet_holds_it();
    dir.write("h.csv", &text);
    let (want, out) = run(&dir, "h.csv", None, &[]);
    out.assert_code(3).assert_counts(69, 41, 28);
    assert!(want.rejects.contains("\n69,H063,"), "{out}");
    assert!(want.summary.contains("\"area\""), "{out}");
    let households = sheet("Households", &text);
    let book = xlsx(std::slice::from_ref(&households));
    let spreadsheet = ods(std::slice::from_ref(&households));
    // A sheet before the households, chosen by name and by number.
    let two = xlsx(&[("Notes".into(), vec![]), households]);
    for (name, data, more) in [
        ("h.xlsx", &book, &[][..]),
        ("h.ods", &spreadsheet, &[][..]),
        ("two.xlsx", &two, &["--sheet", "Households"][..]),
        ("two-n.xlsx", &two, &["--sheet", "2"][..]),
    ] {
        dir.write(name, data);
        for threads in ["1", "3"] {
            let mut args = more.to_vec();
            args.extend_from_slice(&["-j", threads]);
            let (got, out) = run(&dir, name, None, &args);
            same(&format!("{name} -j {threads}"), &want, &got, &out);
        }
        let (got, out) = run(&dir, "-", Some(data), more);
        assert_eq!(got.decisions, want.decisions, "{name} on stdin\n{out}");
        assert_eq!(got.rejects, want.rejects, "{name} on stdin\n{out}");
        assert_eq!(got.code, want.code, "{name} on stdin\n{out}");
    }
    // --budget reads the input twice (standard input through a copy).
    let budget = ["--budget", "20000000"];
    let (want, _) = run(&dir, "h.csv", None, &budget);
    let (got, out) = run(&dir, "h.xlsx", None, &budget);
    same("h.xlsx --budget", &want, &got, &out);
    let (got, out) = run(&dir, "-", Some(&book), &budget);
    assert_eq!(got.decisions, want.decisions, "{out}");
}
