//! Structure-aware: corpus events mutated field by field (see `lwa_fuzz::mutate`), then
//! translated, and translated again through the `Value`-based readers.
#![no_main]

use libfuzzer_sys::{fuzz_crossover, fuzz_mutator, fuzz_target, fuzzer_mutate};

fuzz_target!(|data: &[u8]| lwa_fuzz::event::run_json(data));

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    lwa_fuzz::mutate::mutate(data, size, max_size, seed, &fuzzer_mutate)
});

fuzz_crossover!(|data1: &[u8], data2: &[u8], out: &mut [u8], seed: u32| {
    lwa_fuzz::mutate::crossover(data1, data2, out, seed)
});
