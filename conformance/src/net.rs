//! Loopback ports for listeners the suite, the sample apps and the tests start.

/// A free loopback port for a listener that binds later (an app with a start delay).
///
/// It is picked below Linux's ephemeral range (32768-60999), where every other listener
/// of the suite gets its port (they bind port 0): a port reserved by number only could
/// otherwise be handed to another case's listener before the delayed app binds it, and
/// the readiness check would talk to the wrong server.
pub fn free_port() -> std::io::Result<u16> {
    let seed =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let mut candidate = seed.wrapping_mul(2_654_435_761) ^ std::process::id();
    for _ in 0..200 {
        let port = 20_000 + (candidate % 10_000) as u16;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
        candidate = candidate.wrapping_mul(1_103_515_245).wrapping_add(12_345);
    }
    Err(std::io::Error::other("no free port in 20000-29999"))
}
