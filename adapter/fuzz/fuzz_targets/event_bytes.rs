//! Raw bytes as a Lambda event: `translate` with a fixed configuration and context.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lwa_fuzz::event::run_bytes(data));
