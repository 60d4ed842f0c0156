//! Configuration: every environment variable the adapter reads, declared once.
//!
//! [`VARIABLES`] is the single table of names, aliases, defaults and accepted forms; the
//! README's variable table is checked against it by a unit test. [`Config::from_lookup`]
//! builds a validated [`Config`] from any lookup function, so tests pass a map and never
//! touch the process environment; [`Environment::capture`] is the only place that reads it.
//!
//! Unlike LWA, a value that does not parse is an error naming the variable, the value and
//! the accepted forms. An empty value counts as unset (deployment templates often render
//! unset parameters as empty strings).

use std::time::Duration;

use http::HeaderName;

use crate::status::StatusSet;

mod endpoint;
mod parse;

pub use endpoint::{ApiEndpoint, Environment};
use parse::*;

/// How an old variable name relates to the current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AliasKind {
    /// Accepted silently (the plain `PORT` that many platforms set).
    Fallback,
    /// Accepted with a deprecation warning.
    Deprecated,
}

/// One environment variable: its name, old alias, default and accepted forms.
#[derive(Debug, Clone, Copy)]
pub struct Variable {
    /// The current name.
    pub name: &'static str,
    /// An older name still honoured, and how.
    pub alias: Option<(&'static str, AliasKind)>,
    /// The default, as documented (not parsed).
    pub default: &'static str,
    /// The accepted forms, as shown in errors and docs.
    pub accepted: &'static str,
    /// What it does.
    pub doc: &'static str,
}

macro_rules! variables {
    ($($id:ident = $name:literal, alias: $alias:expr, default: $default:literal, accepted: $accepted:literal, doc: $doc:literal;)*) => {
        $(
            #[doc = concat!("`", $name, "`: ", $doc)]
            pub const $id: Variable = Variable { name: $name, alias: $alias, default: $default, accepted: $accepted, doc: $doc };
        )*
        /// Every variable the adapter reads, in documentation order.
        pub const VARIABLES: &[Variable] = &[$($id),*];
    };
}

variables! {
    PORT = "AWS_LWA_PORT", alias: Some(("PORT", AliasKind::Fallback)), default: "8080",
        accepted: "a TCP port number 1-65535", doc: "Port the app listens on.";
    HOST = "AWS_LWA_HOST", alias: Some(("HOST", AliasKind::Deprecated)), default: "127.0.0.1",
        accepted: "an IP address or host name", doc: "Host the app listens on.";
    READINESS_CHECK_PORT = "AWS_LWA_READINESS_CHECK_PORT", alias: Some(("READINESS_CHECK_PORT", AliasKind::Deprecated)),
        default: "the traffic port", accepted: "a TCP port number 1-65535", doc: "Port probed by the readiness check.";
    READINESS_CHECK_PATH = "AWS_LWA_READINESS_CHECK_PATH", alias: Some(("READINESS_CHECK_PATH", AliasKind::Deprecated)),
        default: "/", accepted: "a path starting with /, a query allowed", doc: "Path requested by the HTTP readiness check.";
    READINESS_CHECK_PROTOCOL = "AWS_LWA_READINESS_CHECK_PROTOCOL", alias: Some(("READINESS_CHECK_PROTOCOL", AliasKind::Deprecated)),
        default: "http", accepted: "http or tcp (any case)", doc: "HTTP GET, or a plain TCP connect.";
    READINESS_CHECK_HEALTHY_STATUS = "AWS_LWA_READINESS_CHECK_HEALTHY_STATUS", alias: None,
        default: "100-499", accepted: "status codes and ranges, comma-separated, e.g. 200-399,404",
        doc: "Statuses that count as ready. The deprecated AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS=N means 100-(N-1).";
    READINESS_CHECK_MIN_UNHEALTHY_STATUS = "AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS", alias: None,
        default: "none", accepted: "a status code 101-600", doc: "Deprecated: the lowest unhealthy status.";
    ASYNC_INIT = "AWS_LWA_ASYNC_INIT", alias: Some(("ASYNC_INIT", AliasKind::Deprecated)), default: "false",
        accepted: "true, false, 1 or 0 (any case)", doc: "Give up waiting at 9.8 s and finish the readiness check inside the first invocation.";
    REMOVE_BASE_PATH = "AWS_LWA_REMOVE_BASE_PATH", alias: Some(("REMOVE_BASE_PATH", AliasKind::Deprecated)), default: "none",
        accepted: "a path prefix such as /api", doc: "Prefix stripped once from request paths, at a segment boundary only.";
    ENABLE_COMPRESSION = "AWS_LWA_ENABLE_COMPRESSION", alias: None, default: "false",
        accepted: "true, false, 1 or 0 (any case)", doc: "Compress buffered responses with gzip or br as accept-encoding allows.";
    INVOKE_MODE = "AWS_LWA_INVOKE_MODE", alias: None, default: "buffered",
        accepted: "buffered or response_stream (any case)", doc: "Buffered responses, or Lambda response streaming.";
    PASS_THROUGH_PATH = "AWS_LWA_PASS_THROUGH_PATH", alias: None, default: "/events",
        accepted: "a path starting with /", doc: "Where non-HTTP events are POSTed.";
    AUTHORIZATION_SOURCE = "AWS_LWA_AUTHORIZATION_SOURCE", alias: None, default: "none",
        accepted: "an HTTP header name", doc: "A request header whose value is moved to `authorization`.";
    ERROR_STATUS_CODES = "AWS_LWA_ERROR_STATUS_CODES", alias: None, default: "none",
        accepted: "status codes and ranges, comma-separated, e.g. 500,502-504",
        doc: "App statuses that fail the invocation, so Lambda retries and dead-letter queues apply.";
    LAMBDA_RUNTIME_API_PROXY = "AWS_LWA_LAMBDA_RUNTIME_API_PROXY", alias: None, default: "none",
        accepted: "host:port or http://host:port[/prefix]", doc: "Send Runtime API traffic (not extension registration) through this proxy.";
    RUNTIME_API = "AWS_LAMBDA_RUNTIME_API", alias: None, default: "set by Lambda",
        accepted: "host:port or http://host:port[/prefix]", doc: "Lambda's Runtime and Extensions API address.";
    LOG_LEVEL = "AWS_LAMBDA_LOG_LEVEL", alias: None, default: "INFO",
        accepted: "TRACE, DEBUG, INFO, WARN, ERROR or FATAL (any case)", doc: "The adapter's own log level.";
    LOG_FORMAT = "AWS_LAMBDA_LOG_FORMAT", alias: None, default: "TEXT",
        accepted: "TEXT or JSON (any case)", doc: "The adapter's own log format.";
    MAX_CONCURRENCY = "AWS_LAMBDA_MAX_CONCURRENCY", alias: None, default: "1",
        accepted: "a whole number 1-1024", doc: "Invocations in flight at once (Lambda Managed Instances).";
}

/// A configuration value that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}={value:?} is not valid: expected {accepted}")]
pub struct ConfigError {
    /// The variable as the user set it (the alias, if that is what was used).
    pub variable: String,
    /// The value found.
    pub value: String,
    /// The accepted forms.
    pub accepted: String,
}

impl ConfigError {
    /// The error type reported to Lambda's init-error call.
    pub const ERROR_TYPE: &'static str = "Extension.ConfigError";

    fn missing(var: &Variable) -> Self {
        ConfigError { variable: var.name.to_owned(), value: String::new(), accepted: var.accepted.to_owned() }
    }
}

/// How the adapter answers Lambda.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvokeMode {
    /// One JSON response per invocation, at most 6 MB.
    Buffered,
    /// Lambda response streaming.
    ResponseStream,
}

/// How readiness is probed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadinessProtocol {
    /// `GET` the readiness path; ready when the status is healthy.
    Http,
    /// Ready when a TCP connection is accepted.
    Tcp,
}

/// The adapter's log format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Lambda's description of the function, passed to the app in `x-amzn-lambda-context`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunctionInfo {
    /// AWS_LAMBDA_FUNCTION_NAME.
    pub name: String,
    /// AWS_LAMBDA_FUNCTION_MEMORY_SIZE (MB), 0 when unknown.
    pub memory_mb: u32,
    /// AWS_LAMBDA_FUNCTION_VERSION.
    pub version: String,
    /// AWS_LAMBDA_LOG_GROUP_NAME.
    pub log_group: String,
    /// AWS_LAMBDA_LOG_STREAM_NAME.
    pub log_stream: String,
}

/// Readiness check settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadinessConfig {
    /// The port probed.
    pub port: u16,
    /// The path requested (HTTP only).
    pub path: String,
    /// HTTP or TCP.
    pub protocol: ReadinessProtocol,
    /// Statuses that mean ready (HTTP only).
    pub healthy: StatusSet,
}

/// The validated configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The app's host.
    pub host: String,
    /// The app's port.
    pub port: u16,
    /// How readiness is checked.
    pub readiness: ReadinessConfig,
    /// Finish the readiness check in the first invocation when init takes too long.
    pub async_init: bool,
    /// Prefix stripped from request paths (normalised: leading `/`, no trailing `/`).
    pub remove_base_path: Option<String>,
    /// Compress buffered responses.
    pub enable_compression: bool,
    /// Buffered or streaming responses.
    pub invoke_mode: InvokeMode,
    /// Where pass-through events go.
    pub pass_through_path: String,
    /// Header whose value becomes `authorization`.
    pub authorization_source: Option<HeaderName>,
    /// App statuses that fail the invocation.
    pub error_status_codes: Option<StatusSet>,
    /// Lambda's API (register, extension events, init errors).
    pub runtime_api: ApiEndpoint,
    /// Where invocation traffic goes (the proxy if one is set, else `runtime_api`).
    pub invocation_api: ApiEndpoint,
    /// The adapter's log level filter (a `tracing` level name).
    pub log_level: tracing::Level,
    /// The adapter's log format.
    pub log_format: LogFormat,
    /// Invocations in flight at once.
    pub max_concurrency: u32,
    /// Lambda's description of the function.
    pub function: FunctionInfo,
}

/// Something worth a warning once logging is up (deprecated aliases, ignored values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigNotice(pub String);

impl Config {
    /// The configuration from any lookup (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<(Config, Vec<ConfigNotice>), ConfigError> {
        let mut env = Reader { lookup: &lookup, notices: Vec::new() };

        let runtime_api = env
            .parse(&RUNTIME_API, |v| v.parse::<ApiEndpoint>().ok())?
            .ok_or_else(|| ConfigError::missing(&RUNTIME_API))?;
        let invocation_api = env
            .parse(&LAMBDA_RUNTIME_API_PROXY, |v| v.parse::<ApiEndpoint>().ok())?
            .unwrap_or_else(|| runtime_api.clone());
        let port = env.parse(&PORT, parse_port)?.unwrap_or(8080);
        let host = env.parse(&HOST, parse_host)?.unwrap_or_else(|| "127.0.0.1".to_owned());
        let healthy = match env.parse(&READINESS_CHECK_HEALTHY_STATUS, |v| v.parse::<StatusSet>().ok())? {
            Some(set) => {
                if env.raw(&READINESS_CHECK_MIN_UNHEALTHY_STATUS).is_some() {
                    env.notices.push(ConfigNotice(format!(
                        "{} is ignored because {} is set",
                        READINESS_CHECK_MIN_UNHEALTHY_STATUS.name, READINESS_CHECK_HEALTHY_STATUS.name
                    )));
                }
                set
            }
            None => match env.parse(&READINESS_CHECK_MIN_UNHEALTHY_STATUS, |v| parse_in(v, 101..=600))? {
                Some(min) => {
                    env.notices.push(ConfigNotice(format!(
                        "{} is deprecated; use {}=100-{}",
                        READINESS_CHECK_MIN_UNHEALTHY_STATUS.name,
                        READINESS_CHECK_HEALTHY_STATUS.name,
                        min - 1
                    )));
                    StatusSet::from_ranges(vec![100..=(min as u16 - 1)])
                }
                None => StatusSet::from_ranges(vec![100..=499]),
            },
        };
        let readiness = ReadinessConfig {
            port: env.parse(&READINESS_CHECK_PORT, parse_port)?.unwrap_or(port),
            path: env.parse(&READINESS_CHECK_PATH, parse_path_and_query)?.unwrap_or_else(|| "/".to_owned()),
            protocol: env
                .parse(&READINESS_CHECK_PROTOCOL, |v| one_of(PROTOCOLS, v))?
                .unwrap_or(ReadinessProtocol::Http),
            healthy,
        };
        let remove_base_path = env.parse(&REMOVE_BASE_PATH, parse_base_path)?.filter(|prefix| !prefix.is_empty());
        let invoke_mode = env.parse(&INVOKE_MODE, |v| one_of(INVOKE_MODES, v))?.unwrap_or(InvokeMode::Buffered);
        let log_level = env.parse(&LOG_LEVEL, |v| one_of(LOG_LEVELS, v))?.unwrap_or(tracing::Level::INFO);
        let log_format = env.parse(&LOG_FORMAT, |v| one_of(LOG_FORMATS, v))?.unwrap_or(LogFormat::Text);

        let config = Config {
            host,
            port,
            readiness,
            async_init: env.parse(&ASYNC_INIT, parse_bool)?.unwrap_or(false),
            remove_base_path,
            enable_compression: env.parse(&ENABLE_COMPRESSION, parse_bool)?.unwrap_or(false),
            invoke_mode,
            pass_through_path: env.parse(&PASS_THROUGH_PATH, parse_path)?.unwrap_or_else(|| "/events".to_owned()),
            authorization_source: env.parse(&AUTHORIZATION_SOURCE, |v| HeaderName::from_bytes(v.as_bytes()).ok())?,
            error_status_codes: env.parse(&ERROR_STATUS_CODES, |v| v.parse::<StatusSet>().ok())?,
            runtime_api,
            invocation_api,
            log_level,
            log_format,
            max_concurrency: env.parse(&MAX_CONCURRENCY, |v| parse_in(v, 1..=1024))?.unwrap_or(1),
            function: FunctionInfo {
                name: lookup("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_default(),
                memory_mb: lookup("AWS_LAMBDA_FUNCTION_MEMORY_SIZE").and_then(|v| v.trim().parse().ok()).unwrap_or(0),
                version: lookup("AWS_LAMBDA_FUNCTION_VERSION").unwrap_or_default(),
                log_group: lookup("AWS_LAMBDA_LOG_GROUP_NAME").unwrap_or_default(),
                log_stream: lookup("AWS_LAMBDA_LOG_STREAM_NAME").unwrap_or_default(),
            },
        };
        Ok((config, env.notices))
    }

    /// `host:port` of the app.
    pub fn app_authority(&self) -> String {
        authority(&self.host, self.port)
    }

    /// `host:port` probed by the readiness check.
    pub fn readiness_authority(&self) -> String {
        authority(&self.host, self.readiness.port)
    }
}

/// How long async init waits before letting Lambda finish init.
pub const ASYNC_INIT_BUDGET: Duration = Duration::from_millis(9_800);

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use std::collections::HashMap;

    fn build(pairs: &[(&str, &str)]) -> Result<(Config, Vec<ConfigNotice>), ConfigError> {
        let mut map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        map.entry("AWS_LAMBDA_RUNTIME_API".into()).or_insert_with(|| "127.0.0.1:9001".into());
        Config::from_lookup(|k| map.get(k).cloned())
    }

    fn config(pairs: &[(&str, &str)]) -> Config {
        build(pairs).expect("valid config").0
    }

    // Found by `just mutants`: only the binary's tests probed these (the readiness check
    // dials this authority), so the translation tests could not tell them wrong.
    #[test]
    fn the_readiness_check_dials_the_host_and_its_own_port() {
        assert_eq!(config(&[]).readiness_authority(), "127.0.0.1:8080");
        let c = config(&[("AWS_LWA_HOST", "::1"), ("AWS_LWA_PORT", "3000"), ("AWS_LWA_READINESS_CHECK_PORT", "3001")]);
        assert_eq!(c.readiness_authority(), "[::1]:3001");
        assert_eq!(c.app_authority(), "[::1]:3000");
    }

    #[test]
    fn defaults_match_lwa() {
        let c = config(&[]);
        assert_eq!(c.port, 8080);
        assert_eq!(c.host, "127.0.0.1");
        assert_eq!(c.readiness.port, 8080);
        assert_eq!(c.readiness.path, "/");
        assert_eq!(c.readiness.protocol, ReadinessProtocol::Http);
        assert!(c.readiness.healthy.contains(100) && c.readiness.healthy.contains(499));
        assert!(!c.readiness.healthy.contains(500));
        assert!(!c.async_init);
        assert_eq!(c.remove_base_path, None);
        assert!(!c.enable_compression);
        assert_eq!(c.invoke_mode, InvokeMode::Buffered);
        assert_eq!(c.pass_through_path, "/events");
        assert_eq!(c.authorization_source, None);
        assert_eq!(c.error_status_codes, None);
        assert_eq!(c.invocation_api, c.runtime_api);
        assert_eq!(c.max_concurrency, 1);
        assert_eq!(c.log_format, LogFormat::Text);
    }

    #[rstest]
    #[case("AWS_LWA_INVOKE_MODE", "stream")]
    #[case("AWS_LWA_PORT", "80a")]
    #[case("AWS_LWA_PORT", "0")]
    #[case("AWS_LWA_PORT", "70000")]
    #[case("AWS_LWA_ERROR_STATUS_CODES", "5xx")]
    #[case("AWS_LWA_ERROR_STATUS_CODES", "500-")]
    #[case("AWS_LWA_ERROR_STATUS_CODES", "504-500")]
    #[case("AWS_LWA_ERROR_STATUS_CODES", "99")]
    #[case("AWS_LWA_ASYNC_INIT", "yes please")]
    #[case("AWS_LWA_ENABLE_COMPRESSION", "on")]
    #[case("AWS_LWA_READINESS_CHECK_PROTOCOL", "grpc")]
    #[case("AWS_LWA_READINESS_CHECK_PATH", "health")]
    #[case("AWS_LWA_READINESS_CHECK_HEALTHY_STATUS", "ok")]
    #[case("AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS", "700")]
    #[case("AWS_LWA_REMOVE_BASE_PATH", "api")]
    #[case("AWS_LWA_PASS_THROUGH_PATH", "events")]
    #[case("AWS_LWA_AUTHORIZATION_SOURCE", "bad header")]
    #[case("AWS_LWA_HOST", "exa mple")]
    #[case("AWS_LWA_LAMBDA_RUNTIME_API_PROXY", "localhost")]
    #[case("AWS_LAMBDA_RUNTIME_API", "nohostport")]
    #[case("AWS_LAMBDA_LOG_LEVEL", "LOUD")]
    #[case("AWS_LAMBDA_LOG_FORMAT", "XML")]
    #[case("AWS_LAMBDA_MAX_CONCURRENCY", "0")]
    #[case("AWS_LAMBDA_MAX_CONCURRENCY", "many")]
    fn bad_value_is_an_error_naming_variable_value_and_forms(#[case] name: &str, #[case] value: &str) {
        let err = build(&[(name, value)]).expect_err("must be rejected");
        assert_eq!(err.variable, name);
        assert_eq!(err.value, value);
        let message = err.to_string();
        assert!(message.contains(name) && message.contains(value) && message.contains("expected"), "{message}");
        let var = VARIABLES.iter().find(|v| v.name == name).expect("declared");
        assert_eq!(err.accepted, var.accepted);
    }

    #[test]
    fn bad_value_under_a_deprecated_alias_names_the_alias() {
        let err = build(&[("READINESS_CHECK_PROTOCOL", "udp")]).expect_err("rejected");
        assert_eq!(err.variable, "READINESS_CHECK_PROTOCOL");
    }

    #[test]
    fn missing_runtime_api_is_an_error() {
        let err = Config::from_lookup(|_| None).expect_err("AWS_LAMBDA_RUNTIME_API is required");
        assert_eq!(err.variable, "AWS_LAMBDA_RUNTIME_API");
    }

    #[rstest]
    #[case("TRUE", true)]
    #[case("true", true)]
    #[case("1", true)]
    #[case("False", false)]
    #[case("0", false)]
    fn booleans(#[case] value: &str, #[case] expected: bool) {
        assert_eq!(config(&[("AWS_LWA_ASYNC_INIT", value)]).async_init, expected);
    }

    #[test]
    fn plain_port_is_a_silent_fallback() {
        let (c, notices) = build(&[("PORT", "3000")]).expect("valid");
        assert_eq!(c.port, 3000);
        assert_eq!(c.readiness.port, 3000, "readiness follows the traffic port");
        assert!(notices.is_empty());
        assert_eq!(config(&[("PORT", "3000"), ("AWS_LWA_PORT", "4000")]).port, 4000);
    }

    #[test]
    fn deprecated_alias_works_with_a_warning() {
        let (c, notices) = build(&[("READINESS_CHECK_PATH", "/health")]).expect("valid");
        assert_eq!(c.readiness.path, "/health");
        assert_eq!(notices.len(), 1);
        assert!(notices[0].0.contains("AWS_LWA_READINESS_CHECK_PATH"));
    }

    #[test]
    fn current_name_wins_over_alias() {
        let (c, notices) = build(&[("HOST", "10.0.0.1"), ("AWS_LWA_HOST", "0.0.0.0")]).expect("valid");
        assert_eq!(c.host, "0.0.0.0");
        assert!(notices[0].0.contains("ignored"));
    }

    #[test]
    fn empty_values_count_as_unset() {
        let c = config(&[("AWS_LWA_PORT", ""), ("AWS_LWA_ERROR_STATUS_CODES", "  ")]);
        assert_eq!(c.port, 8080);
        assert_eq!(c.error_status_codes, None);
    }

    #[test]
    fn min_unhealthy_status_means_below_it() {
        let (c, notices) = build(&[("AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS", "400")]).expect("valid");
        assert!(c.readiness.healthy.contains(399));
        assert!(!c.readiness.healthy.contains(400));
        assert_eq!(notices.len(), 1);
        let c = config(&[
            ("AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS", "400"),
            ("AWS_LWA_READINESS_CHECK_HEALTHY_STATUS", "200"),
        ]);
        assert!(!c.readiness.healthy.contains(201), "the new variable wins");
    }

    #[rstest]
    #[case("/api", Some("/api"))]
    #[case("/api/", Some("/api"))]
    #[case("/api/v1//", Some("/api/v1"))]
    #[case("/", None)]
    fn base_path_is_normalised(#[case] value: &str, #[case] expected: Option<&str>) {
        assert_eq!(config(&[("AWS_LWA_REMOVE_BASE_PATH", value)]).remove_base_path.as_deref(), expected);
    }

    #[rstest]
    #[case("127.0.0.1:9001", "127.0.0.1:9001", "")]
    #[case("http://127.0.0.1:9000/.rt", "127.0.0.1:9000", "/.rt")]
    #[case("http://localhost:9000/", "localhost:9000", "")]
    fn runtime_api_address_forms(#[case] value: &str, #[case] authority: &str, #[case] prefix: &str) {
        let c = config(&[("AWS_LAMBDA_RUNTIME_API", value)]);
        assert_eq!(c.runtime_api.authority.as_str(), authority);
        assert_eq!(c.runtime_api.prefix, prefix);
        assert_eq!(c.runtime_api.uri("/x"), format!("http://{authority}{prefix}/x"));
    }

    #[test]
    fn proxy_takes_invocation_traffic_only() {
        let c = config(&[("AWS_LWA_LAMBDA_RUNTIME_API_PROXY", "127.0.0.1:9009")]);
        assert_eq!(c.runtime_api.authority.as_str(), "127.0.0.1:9001");
        assert_eq!(c.invocation_api.authority.as_str(), "127.0.0.1:9009");
    }

    #[test]
    fn ipv6_host_is_bracketed() {
        let c = config(&[("AWS_LWA_HOST", "::1"), ("AWS_LWA_PORT", "3000")]);
        assert_eq!(c.app_authority(), "[::1]:3000");
    }

    #[test]
    fn function_info_is_read() {
        let c = config(&[("AWS_LAMBDA_FUNCTION_NAME", "fn"), ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")]);
        assert_eq!(c.function.name, "fn");
        assert_eq!(c.function.memory_mb, 512);
    }

    /// The README's table must list every variable with its default, so it cannot drift.
    #[test]
    fn readme_documents_every_variable_and_default() {
        let readme = include_str!("../../../README.md");
        for var in VARIABLES {
            let row = readme
                .lines()
                .find(|line| line.starts_with('|') && line.contains(&format!("`{}`", var.name)))
                .unwrap_or_else(|| panic!("README has no table row for {}", var.name));
            assert!(
                row.contains(var.default),
                "README row for {} lacks the default {:?}: {row}",
                var.name,
                var.default
            );
        }
    }

    /// Regression (issue 14): a value that is not UTF-8 was silently unset, so a port
    /// the user set was replaced by the default without a word.
    #[test]
    fn a_value_that_is_not_utf8_is_an_error_naming_the_variable() {
        use std::ffi::OsString;
        use std::os::unix::ffi::OsStringExt;
        let pairs = |name: &str| {
            vec![
                (OsString::from("AWS_LAMBDA_RUNTIME_API"), OsString::from("127.0.0.1:9001")),
                (OsString::from(name), OsString::from_vec(b"80\xff80".to_vec())),
            ]
        };
        for name in ["AWS_LWA_PORT", "PORT"] {
            let err = Environment::from_os(pairs(name)).config().unwrap_err();
            assert_eq!(err.variable, name);
            assert!(err.to_string().contains("UTF-8"), "{err}");
        }
        // Not one of ours: no concern of the adapter's.
        assert!(Environment::from_os(pairs("SOME_OTHER_VARIABLE")).config().is_ok());
    }

    /// Regression (issue 14): a readiness path with a query (accepted by LWA) was an
    /// init error; a fragment still is.
    #[test]
    fn readiness_path_may_have_a_query() {
        let c = config(&[("AWS_LWA_READINESS_CHECK_PATH", "/health?deep=1")]);
        assert_eq!(c.readiness.path, "/health?deep=1");
        assert!(build(&[("AWS_LWA_READINESS_CHECK_PATH", "/health#x")]).is_err());
        assert!(build(&[("AWS_LWA_REMOVE_BASE_PATH", "/api?x=1")]).is_err(), "a base path is a path only");
    }

    /// Regression (issue 14): `user@host` parsed as an authority and was taken as the host.
    #[test]
    fn host_with_userinfo_is_refused() {
        let err = build(&[("AWS_LWA_HOST", "user@127.0.0.1")]).unwrap_err();
        assert_eq!(err.variable, "AWS_LWA_HOST");
    }

    /// Regression (issue 14): the deprecated minimum was ignored without a word when the
    /// healthy-status variable was also set.
    #[test]
    fn min_unhealthy_status_beside_healthy_status_is_reported_as_ignored() {
        let (c, notices) = build(&[
            ("AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS", "400"),
            ("AWS_LWA_READINESS_CHECK_HEALTHY_STATUS", "200-299"),
        ])
        .unwrap();
        assert!(!c.readiness.healthy.contains(300));
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert!(notices[0].0.contains("AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS is ignored"), "{notices:?}");
    }

    /// Every word of every enumerated variable, in three cases, gives its value (issue 19:
    /// deleting a match arm turned a documented value into an init error unnoticed; Lambda
    /// itself sets AWS_LAMBDA_LOG_FORMAT=JSON and AWS_LAMBDA_LOG_LEVEL).
    #[test]
    fn every_word_of_every_enumerated_variable_parses() {
        fn each<T: Copy + PartialEq + std::fmt::Debug>(
            var: &Variable,
            words: &[(&str, T)],
            field: impl Fn(&Config) -> T,
        ) -> usize {
            for &(word, value) in words {
                for spelling in [word.to_owned(), word.to_ascii_lowercase(), word.to_ascii_uppercase()] {
                    let c = config(&[(var.name, &spelling)]);
                    assert_eq!(field(&c), value, "{}={spelling}", var.name);
                }
            }
            words.len()
        }
        let mut tested = 0;
        tested += each(&ASYNC_INIT, BOOLS, |c| c.async_init);
        tested += each(&ENABLE_COMPRESSION, BOOLS, |c| c.enable_compression);
        tested += each(&INVOKE_MODE, INVOKE_MODES, |c| c.invoke_mode);
        tested += each(&READINESS_CHECK_PROTOCOL, PROTOCOLS, |c| c.readiness.protocol);
        tested += each(&LOG_LEVEL, LOG_LEVELS, |c| c.log_level);
        tested += each(&LOG_FORMAT, LOG_FORMATS, |c| c.log_format);
        assert_eq!(
            tested,
            2 * BOOLS.len() + INVOKE_MODES.len() + PROTOCOLS.len() + LOG_LEVELS.len() + LOG_FORMATS.len()
        );
        // Each word is named in the documented accepted forms.
        for (var, words) in [
            (&INVOKE_MODE, INVOKE_MODES.iter().map(|w| w.0).collect::<Vec<_>>()),
            (&READINESS_CHECK_PROTOCOL, PROTOCOLS.iter().map(|w| w.0).collect()),
            (&LOG_LEVEL, LOG_LEVELS.iter().map(|w| w.0).collect()),
            (&LOG_FORMAT, LOG_FORMATS.iter().map(|w| w.0).collect()),
            (&ASYNC_INIT, BOOLS.iter().map(|w| w.0).collect()),
        ] {
            for word in words {
                assert!(var.accepted.contains(word), "{} does not document {word}: {}", var.name, var.accepted);
            }
        }
    }

    /// The ends of every numeric range are in it, one past each end is not.
    #[rstest]
    #[case("AWS_LWA_PORT", "1", true)]
    #[case("AWS_LWA_PORT", "65535", true)]
    #[case("AWS_LWA_PORT", "0", false)]
    #[case("AWS_LWA_PORT", "65536", false)]
    #[case("AWS_LWA_READINESS_CHECK_PORT", "1", true)]
    #[case("AWS_LWA_READINESS_CHECK_PORT", "65536", false)]
    #[case("AWS_LAMBDA_MAX_CONCURRENCY", "1", true)]
    #[case("AWS_LAMBDA_MAX_CONCURRENCY", "1024", true)]
    #[case("AWS_LAMBDA_MAX_CONCURRENCY", "0", false)]
    #[case("AWS_LAMBDA_MAX_CONCURRENCY", "1025", false)]
    #[case("AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS", "101", true)]
    #[case("AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS", "600", true)]
    #[case("AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS", "100", false)]
    #[case("AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS", "601", false)]
    #[case("AWS_LWA_READINESS_CHECK_PATH", "/health check", false)]
    #[case("AWS_LWA_PASS_THROUGH_PATH", "/events x", false)]
    #[case("AWS_LWA_PASS_THROUGH_PATH", "/", true)]
    fn numeric_and_path_boundaries(#[case] name: &str, #[case] value: &str, #[case] valid: bool) {
        assert_eq!(build(&[(name, value)]).is_ok(), valid, "{name}={value}");
    }
}
