//! An app response (status, headers, body, content type) encoded for a source, with
//! compression on or off and any accept-encoding.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lwa_fuzz::response::run(data));
