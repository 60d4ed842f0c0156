//! The streaming prelude, the error trailers and the response stream over a scripted body.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lwa_fuzz::stream::run(data));
