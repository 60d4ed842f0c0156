//! Local Lambda emulator and conformance suite.
