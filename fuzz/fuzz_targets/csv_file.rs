//! A whole household file, header included (BOM, blank lines, delimiter
//! detection, quoted header cells, duplicate or missing columns), under the
//! default policy. Opening may fail; nothing may panic, and when it opens the
//! pipeline runs must agree as in `csv_row`.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    common::check_pipeline(common::default_policy(), data);
});
