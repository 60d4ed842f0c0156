//! The CPU architectures adapter binaries are built for (the runner's targets, the
//! container host's mounts).

/// The CPU architecture an adapter binary is built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Arch {
    /// x86_64, run natively.
    #[value(name = "x86_64")]
    X86_64,
    /// aarch64, run under `qemu-aarch64-static` on an x86_64 machine.
    #[value(name = "aarch64")]
    Aarch64,
}

impl Arch {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Aarch64 => "aarch64",
        }
    }
}
