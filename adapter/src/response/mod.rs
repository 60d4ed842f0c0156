//! App responses out, Lambda responses in each source's format: pure, no I/O.

mod binary;
pub mod compress;
mod encode;

pub use binary::is_text;
pub use encode::{coding, encode, reject, rejection, EncodeOptions};
