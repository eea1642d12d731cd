//! Mutation-friendly policy fuzzing: start from a real policy and replace one
//! span of it with the fuzz input, so that most inputs still parse as TOML and
//! reach the checker (expressions, references, cycles, templates, dates).
//!
//! Input layout: byte 0 picks the base policy (default, income-only, mpi,
//! providers: the last exercises `excludes`, `reduced_by` and `[caps]`);
//! bytes 1-2 (little endian) pick where the span starts, as a fraction of the
//! base's length; byte 3 is the span's length in bytes (0 = pure insertion);
//! the rest (UTF-8) replaces the span.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

const BASES: [&str; 4] = [
    layak::policy::DEFAULT_POLICY_TOML,
    include_str!("../../examples/policies/income-only.toml"),
    include_str!("../../examples/policies/mpi.toml"),
    include_str!("../../examples/policies/providers.toml"),
];

fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let Ok(patch) = std::str::from_utf8(&data[4..]) else {
        return;
    };
    let base = BASES[usize::from(data[0]) % BASES.len()];
    let at = usize::from(u16::from_le_bytes([data[1], data[2]]));
    let start = floor_boundary(base, at * base.len() / 65536);
    let end = floor_boundary(base, start + usize::from(data[3]));
    let mut text = String::with_capacity(base.len() + patch.len());
    text.push_str(&base[..start]);
    text.push_str(patch);
    text.push_str(&base[end..]);
    common::load_and_decide(&text);
});
