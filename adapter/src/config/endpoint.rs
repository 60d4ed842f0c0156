//! Where Lambda's APIs live ([`ApiEndpoint`]) and the one reader of the process
//! environment ([`Environment`]).

use std::fmt;
use std::str::FromStr;

use super::{Config, ConfigError, ConfigNotice, RUNTIME_API, VARIABLES};

/// Where a Lambda API lives: `host:port` plus an optional path prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiEndpoint {
    /// `host:port`.
    pub authority: http::uri::Authority,
    /// A path prefix without a trailing slash (usually empty).
    pub prefix: String,
}

impl ApiEndpoint {
    /// The absolute URI of `path` (which starts with `/`) at this endpoint.
    pub fn uri(&self, path: &str) -> String {
        let authority = self.authority.as_str();
        let mut uri = String::with_capacity("http://".len() + authority.len() + self.prefix.len() + path.len());
        uri.push_str("http://");
        uri.push_str(authority);
        uri.push_str(&self.prefix);
        uri.push_str(path);
        uri
    }
}

impl FromStr for ApiEndpoint {
    type Err = ();

    /// Accepts `host:port` (what Lambda sets) and `http://host:port/prefix` (what some
    /// local emulators set).
    fn from_str(raw: &str) -> Result<Self, ()> {
        let rest = raw.strip_prefix("http://").unwrap_or(raw);
        let (authority, prefix) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let authority: http::uri::Authority = authority.parse().map_err(|_| ())?;
        if authority.port_u16().is_none() || authority.host().is_empty() {
            return Err(());
        }
        Ok(ApiEndpoint { authority, prefix: prefix.trim_end_matches('/').to_owned() })
    }
}

impl fmt::Display for ApiEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.authority, self.prefix)
    }
}

/// A snapshot of the process environment. [`Environment::capture`] is the only code that
/// reads the process environment; everything else takes a lookup function.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    vars: std::collections::HashMap<String, String>,
    /// Variables whose value is not UTF-8, with the value made readable.
    not_utf8: std::collections::HashMap<String, String>,
}

impl Environment {
    /// Reads the process environment.
    pub fn capture() -> Self {
        Self::from_os(std::env::vars_os())
    }

    /// The environment from name-value pairs as the OS gives them. A value that is not
    /// UTF-8 is kept apart: [`Environment::config`] names it if it is one of ours.
    pub fn from_os(vars: impl IntoIterator<Item = (std::ffi::OsString, std::ffi::OsString)>) -> Self {
        let mut env = Environment::default();
        for (name, value) in vars {
            let Ok(name) = name.into_string() else { continue };
            match value.into_string() {
                Ok(value) => env.vars.insert(name, value),
                Err(value) => env.not_utf8.insert(name, value.to_string_lossy().into_owned()),
            };
        }
        env
    }

    /// One variable's value.
    pub fn get(&self, name: &str) -> Option<String> {
        self.vars.get(name).cloned()
    }

    /// The configuration. A variable of ours (or its alias) whose value is not UTF-8 is
    /// an error naming it, never silently unset.
    pub fn config(&self) -> Result<(Config, Vec<ConfigNotice>), ConfigError> {
        for var in VARIABLES {
            for name in std::iter::once(var.name).chain(var.alias.map(|(alias, _)| alias)) {
                if let Some(value) = self.not_utf8.get(name) {
                    return Err(ConfigError {
                        variable: name.to_owned(),
                        value: value.clone(),
                        accepted: format!("UTF-8 text: {}", var.accepted),
                    });
                }
            }
        }
        Config::from_lookup(|k| self.get(k))
    }

    /// Lambda's API address, if it is set and parses (for reporting a bad configuration).
    pub fn runtime_api(&self) -> Option<ApiEndpoint> {
        self.get(RUNTIME_API.name)?.trim().parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Found by `just mutants`: these were only reached through the binary's tests.
    #[test]
    fn an_endpoint_prints_as_it_was_given_without_a_trailing_slash() {
        let endpoint: ApiEndpoint = "127.0.0.1:9001/proxy/".parse().expect("an endpoint");
        assert_eq!(endpoint.to_string(), "127.0.0.1:9001/proxy");
        assert_eq!(endpoint.uri("/2018-06-01/ping"), "http://127.0.0.1:9001/proxy/2018-06-01/ping");
    }

    #[test]
    fn the_runtime_api_is_read_from_the_environment_when_it_parses() {
        let env = |value: &str| Environment::from_os([("AWS_LAMBDA_RUNTIME_API".into(), value.into())]);
        let endpoint = env(" 127.0.0.1:9001 ").runtime_api().expect("a usable address");
        assert_eq!(endpoint.to_string(), "127.0.0.1:9001");
        assert_eq!(env("not an address").runtime_api(), None);
        assert_eq!(Environment::from_os([]).runtime_api(), None);
    }

    #[test]
    fn capture_reads_the_process_environment() {
        // PATH is set wherever cargo runs tests.
        assert_eq!(Environment::capture().get("PATH"), std::env::var("PATH").ok());
        assert!(Environment::capture().get("PATH").is_some());
    }
}
