//! App responses out, Lambda responses in each source's format: buffered (pure, no I/O)
//! or streamed ([`stream`]: the prelude and the body as it arrives).

mod binary;
pub mod compress;
mod encode;
mod json;
mod payload;
pub mod stream;

pub use binary::is_text;
pub use encode::{coding, encode, reject, rejection, EncodeOptions};
pub use payload::Payload;
