//! The Runtime API's `invocation/next` headers read into an invocation context.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lwa_fuzz::invocation::run(data));
