//! Reading one variable: the raw value under its name or alias, and the parsers of each
//! accepted form (words, numbers in a range, ports, hosts, paths).

use std::net::IpAddr;
use std::ops::RangeInclusive;

use super::{AliasKind, ConfigError, ConfigNotice, InvokeMode, LogFormat, ReadinessProtocol, Variable};

pub(super) fn authority(host: &str, port: u16) -> String {
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => format!("[{v6}]:{port}"),
        _ => format!("{host}:{port}"),
    }
}

/// Reads raw values (current name first, then the alias) and records notices.
pub(super) struct Reader<'a, F: Fn(&str) -> Option<String>> {
    pub(super) lookup: &'a F,
    pub(super) notices: Vec<ConfigNotice>,
}

impl<F: Fn(&str) -> Option<String>> Reader<'_, F> {
    /// The raw value and the name it was found under; empty values count as unset.
    pub(super) fn raw(&mut self, var: &Variable) -> Option<(&'static str, String)> {
        let set = |name: &str| (self.lookup)(name).filter(|v| !v.trim().is_empty());
        let current = set(var.name);
        let (alias, kind) = match var.alias {
            Some(alias) => alias,
            None => return current.map(|v| (var.name, v)),
        };
        let old = set(alias);
        match (current, old) {
            (Some(v), Some(_)) => {
                if kind == AliasKind::Deprecated {
                    self.notices.push(ConfigNotice(format!("{alias} is ignored because {} is set", var.name)));
                }
                Some((var.name, v))
            }
            (Some(v), None) => Some((var.name, v)),
            (None, Some(v)) => {
                if kind == AliasKind::Deprecated {
                    self.notices.push(ConfigNotice(format!("{alias} is deprecated; use {} instead", var.name)));
                }
                Some((alias, v))
            }
            (None, None) => None,
        }
    }

    /// Parses the variable if set; a value the parser rejects is a [`ConfigError`].
    pub(super) fn parse<T>(
        &mut self,
        var: &Variable,
        parser: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<T>, ConfigError> {
        let Some((name, value)) = self.raw(var) else { return Ok(None) };
        match parser(value.trim()) {
            Some(parsed) => Ok(Some(parsed)),
            None => Err(ConfigError { variable: name.to_owned(), value, accepted: var.accepted.to_owned() }),
        }
    }
}

/// The words of each enumerated variable, matched in any case. The parsers look values up
/// here and the tests walk every entry, so a value cannot be added untested.
pub(super) const BOOLS: &[(&str, bool)] = &[("true", true), ("1", true), ("false", false), ("0", false)];
pub(super) const INVOKE_MODES: &[(&str, InvokeMode)] =
    &[("buffered", InvokeMode::Buffered), ("response_stream", InvokeMode::ResponseStream)];
pub(super) const PROTOCOLS: &[(&str, ReadinessProtocol)] =
    &[("http", ReadinessProtocol::Http), ("tcp", ReadinessProtocol::Tcp)];
pub(super) const LOG_LEVELS: &[(&str, tracing::Level)] = &[
    ("TRACE", tracing::Level::TRACE),
    ("DEBUG", tracing::Level::DEBUG),
    ("INFO", tracing::Level::INFO),
    ("WARN", tracing::Level::WARN),
    ("ERROR", tracing::Level::ERROR),
    // Lambda's advanced logging levels include FATAL; the adapter has no level above ERROR.
    ("FATAL", tracing::Level::ERROR),
];
pub(super) const LOG_FORMATS: &[(&str, LogFormat)] = &[("TEXT", LogFormat::Text), ("JSON", LogFormat::Json)];

/// The value `v` names in `words`, in any case.
pub(super) fn one_of<T: Copy>(words: &[(&str, T)], v: &str) -> Option<T> {
    words.iter().find(|(word, _)| word.eq_ignore_ascii_case(v)).map(|&(_, value)| value)
}

pub(super) fn parse_bool(v: &str) -> Option<bool> {
    one_of(BOOLS, v)
}

pub(super) fn parse_in(v: &str, range: RangeInclusive<u32>) -> Option<u32> {
    v.parse::<u32>().ok().filter(|n| range.contains(n))
}

pub(super) fn parse_port(v: &str) -> Option<u16> {
    v.parse::<u16>().ok().filter(|&p| p != 0)
}

pub(super) fn parse_host(v: &str) -> Option<String> {
    // An authority may carry `user@`; a host may not.
    if v.contains('@') {
        return None;
    }
    let probe = authority(v, 1);
    probe.parse::<http::uri::Authority>().ok().map(|_| v.to_owned())
}

pub(super) fn parse_path(v: &str) -> Option<String> {
    (v.starts_with('/') && v.parse::<http::uri::PathAndQuery>().is_ok() && !v.contains(['?', '#']))
        .then(|| v.to_owned())
}

/// A request target: a path, and a query if wanted (`/health?deep=1`, which LWA accepts).
pub(super) fn parse_path_and_query(v: &str) -> Option<String> {
    (v.starts_with('/') && v.parse::<http::uri::PathAndQuery>().is_ok() && !v.contains('#')).then(|| v.to_owned())
}

/// The prefix without trailing slashes: empty for `/` (nothing to strip).
pub(super) fn parse_base_path(v: &str) -> Option<String> {
    parse_path(v).map(|path| path.trim_end_matches('/').to_owned())
}
