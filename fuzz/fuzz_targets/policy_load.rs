//! Arbitrary text as a policy file: `Policy::load` returns Ok or Err and never
//! panics; error rendering never panics; a loaded policy decides a few fixed
//! rows (see `common::rows_for`) through the pipeline and `explain`.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        common::load_and_decide(text);
    }
});
