//! Reading case files: finding them, parsing and validating one, and building the
//! event it sends.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::Case;

/// A case file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a valid case.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl Case {
    /// Reads a case file; `root` is `fixtures/cases`, whose relative path gives the id.
    pub fn load(root: &Path, path: &Path) -> Result<Case, CaseError> {
        let text = std::fs::read_to_string(path).map_err(|source| CaseError::Io { path: path.to_owned(), source })?;
        let invalid = |message: String| CaseError::Invalid { path: path.to_owned(), message };
        let case: Case = toml::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        let expected_id = path.strip_prefix(root).unwrap_or(path).with_extension("");
        let expected_id = expected_id.to_string_lossy().replace('\\', "/");
        if case.id != expected_id {
            return Err(invalid(format!("id {:?} does not match the file path {expected_id:?}", case.id)));
        }
        if case.invoke.event.is_some() == case.invoke.event_json.is_some() {
            return Err(invalid("[invoke] needs exactly one of `event` and `event_json`".into()));
        }
        if case.rules.is_empty() {
            return Err(invalid("`rules` names no rule of docs/spec.md".into()));
        }
        if case.expect.outcome.is_none() {
            return Err(invalid("[expect] needs an `outcome`".into()));
        }
        for also in &case.also {
            if also.rules.is_empty() {
                return Err(invalid("an [[also]] names no rule of docs/spec.md".into()));
            }
            if also.expect.outcome.is_some() {
                return Err(invalid("an [[also]] cannot set `outcome`: that is the case's own".into()));
            }
        }
        Ok(case)
    }

    /// The event bytes, with the patch applied; `events` is `fixtures/events`.
    pub fn event_bytes(&self, events: &Path) -> Result<Vec<u8>, String> {
        let raw = match (&self.invoke.event, &self.invoke.event_json) {
            (Some(file), _) => std::fs::read(events.join(file)).map_err(|e| format!("event {file}: {e}"))?,
            (_, Some(inline)) => inline.clone().into_bytes(),
            (None, None) => return Err("no event".into()),
        };
        if self.invoke.patch.is_empty() {
            return Ok(raw);
        }
        let mut value: Value =
            serde_json::from_slice(&raw).map_err(|e| format!("cannot patch an event that is not JSON: {e}"))?;
        for (pointer, new) in &self.invoke.patch {
            set_pointer(&mut value, pointer, new.clone())?;
        }
        serde_json::to_vec(&value).map_err(|e| e.to_string())
    }
}

/// Sets `pointer` (its parent must exist) to `value`.
fn set_pointer(doc: &mut Value, pointer: &str, value: Value) -> Result<(), String> {
    if pointer.is_empty() {
        *doc = value;
        return Ok(());
    }
    let (parent, last) = pointer.rsplit_once('/').ok_or_else(|| format!("{pointer:?} is not a JSON Pointer"))?;
    let last = last.replace("~1", "/").replace("~0", "~");
    match doc.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.insert(last, value);
            Ok(())
        }
        Some(Value::Array(items)) => {
            let index: usize = last.parse().map_err(|_| format!("{pointer}: not an array index"))?;
            match items.get_mut(index) {
                Some(slot) => {
                    *slot = value;
                    Ok(())
                }
                None => Err(format!("{pointer}: index out of range")),
            }
        }
        _ => Err(format!("{pointer}: the parent {parent:?} is not an object or array in the event")),
    }
}

/// Every file under `root` (recursively) that `keep` accepts, sorted.
pub fn files_under(root: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if keep(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Every case file under `root`, sorted by id.
pub fn discover(root: &Path) -> Vec<PathBuf> {
    files_under(root, |p| p.extension().is_some_and(|e| e == "toml"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn patches_set_pointers() {
        let mut doc = json!({"rawPath": "/", "headers": {}});
        set_pointer(&mut doc, "/rawPath", json!("/echo/x")).unwrap();
        set_pointer(&mut doc, "/headers/x-a~1b", json!("1")).unwrap();
        assert_eq!(doc, json!({"rawPath": "/echo/x", "headers": {"x-a/b": "1"}}));
        assert!(set_pointer(&mut doc, "/missing/x", json!(1)).is_err());
    }
}
