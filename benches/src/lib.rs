//! Benchmarks of Lambda web adapters.
