//! Data rows under the default policy's full header: the bytes are appended
//! after a fixed header line naming all 24 inputs, then decided by the whole
//! pipeline several ways (see `common::check_pipeline`), which must agree.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    let mut file = Vec::with_capacity(common::DEFAULT_HEADER.len() + data.len());
    file.extend_from_slice(common::DEFAULT_HEADER.as_bytes());
    file.extend_from_slice(data);
    common::check_pipeline(common::default_policy(), &file);
});
