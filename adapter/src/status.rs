//! Sets of HTTP status codes written as codes and ranges: `200-399,404`.

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

/// A set of status codes, parsed from `code` and `low-high` items separated by commas.
///
/// ```
/// use lambda_web_adapter::StatusSet;
/// let set: StatusSet = "500,502-504".parse().unwrap();
/// assert!(set.contains(503));
/// assert!(!set.contains(501));
/// assert!("5xx".parse::<StatusSet>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusSet {
    ranges: Vec<RangeInclusive<u16>>,
}

/// Why a status set did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{item:?} is not a status code 100-599 or a range low-high")]
pub struct StatusSetError {
    /// The offending item.
    pub item: String,
}

impl StatusSet {
    /// A set from ranges already known to be valid.
    pub fn from_ranges(ranges: Vec<RangeInclusive<u16>>) -> Self {
        StatusSet { ranges }
    }

    /// Whether `status` is in the set.
    pub fn contains(&self, status: u16) -> bool {
        self.ranges.iter().any(|r| r.contains(&status))
    }
}

impl FromStr for StatusSet {
    type Err = StatusSetError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let code = |item: &str, part: &str| -> Result<u16, StatusSetError> {
            part.trim()
                .parse::<u16>()
                .ok()
                .filter(|c| (100..=599).contains(c))
                .ok_or_else(|| StatusSetError { item: item.to_owned() })
        };
        let mut ranges = Vec::new();
        for item in s.split(',') {
            let item = item.trim();
            let range = match item.split_once('-') {
                Some((low, high)) => code(item, low)?..=code(item, high)?,
                None => {
                    let c = code(item, item)?;
                    c..=c
                }
            };
            if range.is_empty() {
                return Err(StatusSetError { item: item.to_owned() });
            }
            ranges.push(range);
        }
        Ok(StatusSet { ranges })
    }
}

impl fmt::Display for StatusSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.ranges.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if r.start() == r.end() {
                write!(f, "{}", r.start())?;
            } else {
                write!(f, "{}-{}", r.start(), r.end())?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("500", &[500], &[499, 501])]
    #[case("500,502-504", &[500, 502, 503, 504], &[501, 505])]
    #[case(" 404 , 500 - 599 ", &[404, 500, 599], &[403, 499])]
    #[case("100-599", &[100, 599], &[])]
    fn parses_codes_and_ranges(#[case] input: &str, #[case] inside: &[u16], #[case] outside: &[u16]) {
        let set: StatusSet = input.parse().unwrap();
        for &c in inside {
            assert!(set.contains(c), "{c} in {input}");
        }
        for &c in outside {
            assert!(!set.contains(c), "{c} not in {input}");
        }
    }

    #[rstest]
    #[case("5xx")]
    #[case("")]
    #[case("500,")]
    #[case("500-")]
    #[case("-500")]
    #[case("504-500")]
    #[case("99")]
    #[case("600")]
    #[case("500-700")]
    #[case("5 00")]
    fn rejects_malformed(#[case] input: &str) {
        assert!(input.parse::<StatusSet>().is_err(), "{input:?}");
    }

    #[test]
    fn displays_round_trip() {
        let set: StatusSet = "500,502-504".parse().unwrap();
        assert_eq!(set.to_string(), "500,502-504");
    }
}
