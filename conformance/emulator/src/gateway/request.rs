//! The incoming HTTP request, as plain data.

use std::net::IpAddr;
use std::time::SystemTime;

use bytes::Bytes;
use percent_encoding::percent_decode_str;

/// An HTTP request as the front door received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method (`GET`, ...).
    pub method: String,
    /// The path as sent, percent-encoding preserved, without the query.
    pub path: String,
    /// The query string as sent, without `?` (empty when none).
    pub query: String,
    /// Header pairs in arrival order, names lowercased; repeated names stay repeated.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Bytes,
    /// The client's address.
    pub source_ip: IpAddr,
    /// When it arrived.
    pub time: SystemTime,
}

impl HttpRequest {
    /// A request with no headers and no body from 127.0.0.1 (a base for tests).
    ///
    /// ```
    /// use lwa_emulator::gateway::HttpRequest;
    /// let req = HttpRequest::new("GET", "/a%20b?x=1&x=2");
    /// assert_eq!(req.path, "/a%20b");
    /// assert_eq!(req.query, "x=1&x=2");
    /// ```
    pub fn new(method: &str, path_and_query: &str) -> Self {
        let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
        Self {
            method: method.to_string(),
            path: path.to_string(),
            query: query.to_string(),
            headers: Vec::new(),
            body: Bytes::new(),
            source_ip: IpAddr::from([127, 0, 0, 1]),
            time: SystemTime::now(),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.to_string()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Every value of a header.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
    }

    /// The query's `key=value` pairs in order, raw (as sent).
    pub fn raw_query_pairs(&self) -> Vec<(String, String)> {
        self.query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_string(), v.to_string())
            })
            .collect()
    }

    /// The query's pairs, percent-decoded (`+` is kept as is).
    pub fn decoded_query_pairs(&self) -> Vec<(String, String)> {
        self.raw_query_pairs().into_iter().map(|(k, v)| (decode(&k), decode(&v))).collect()
    }

    /// Whether the body goes to Lambda as text (see the module docs for the rule).
    pub fn body_is_text(&self) -> bool {
        if std::str::from_utf8(&self.body).is_err() {
            return false;
        }
        if self.header_values("content-encoding").iter().any(|v| !v.trim().eq_ignore_ascii_case("identity")) {
            return false;
        }
        match self.header_values("content-type").last() {
            None => true,
            Some(ct) => is_text_type(ct),
        }
    }
}

/// Whether a content type is textual.
pub(crate) fn is_text_type(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence.starts_with("text/")
        || matches!(
            essence.as_str(),
            "application/json"
                | "application/javascript"
                | "application/xml"
                | "application/yaml"
                | "application/x-www-form-urlencoded"
                | "application/graphql"
        )
        || essence.ends_with("+json")
        || essence.ends_with("+xml")
        || essence.ends_with("+yaml")
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_pairs_keep_order_and_repeats() {
        let req = HttpRequest::new("GET", "/p?a=1&b=x%20y&a=2&flag");
        assert_eq!(
            req.decoded_query_pairs(),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y".into()),
                ("a".into(), "2".into()),
                ("flag".into(), String::new())
            ]
        );
        assert_eq!(req.raw_query_pairs()[1].1, "x%20y");
    }

    #[test]
    fn text_or_binary() {
        assert!(HttpRequest::new("POST", "/").body("hi").body_is_text());
        assert!(HttpRequest::new("POST", "/")
            .header("content-type", "application/json; charset=utf-8")
            .body("{}")
            .body_is_text());
        assert!(!HttpRequest::new("POST", "/").header("content-type", "image/png").body("png").body_is_text());
        assert!(!HttpRequest::new("POST", "/").body(vec![0xff, 0xfe]).body_is_text());
        assert!(!HttpRequest::new("POST", "/").header("content-encoding", "gzip").body("x").body_is_text());
    }
}
