//! Shared by the adapter's black-box tests.

use std::process::Child;

/// The adapter process; killed when dropped.
pub(crate) struct Adapter(pub(crate) Child);

impl Drop for Adapter {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
