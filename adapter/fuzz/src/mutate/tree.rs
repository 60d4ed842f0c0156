//! Paths into a JSON document: a random node picked, and the node a path names.

use serde_json::Value;

use super::Rng;

/// One step of a path into a JSON document.
#[derive(Debug, Clone)]
pub(super) enum Step {
    Key(String),
    Index(usize),
}

/// A random node: from the root, descend into a random child two times in three.
pub(super) fn pick_path(root: &Value, rng: &mut Rng) -> Vec<Step> {
    let mut path = Vec::new();
    let mut node = root;
    loop {
        let len = match node {
            Value::Object(map) => map.len(),
            Value::Array(items) => items.len(),
            _ => 0,
        };
        if len == 0 || rng.one_in(3) {
            return path;
        }
        let i = rng.below(len);
        node = match node {
            Value::Object(map) => {
                let (key, child) = map.iter().nth(i).expect("in range");
                path.push(Step::Key(key.clone()));
                child
            }
            Value::Array(items) => {
                path.push(Step::Index(i));
                &items[i]
            }
            _ => unreachable!(),
        };
    }
}

pub(super) fn node_mut<'a>(root: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    let mut node = root;
    for step in path {
        node = match (node, step) {
            (Value::Object(map), Step::Key(key)) => map.get_mut(key)?,
            (Value::Array(items), Step::Index(i)) => items.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(node)
}

pub(super) fn node<'a>(root: &'a Value, path: &[Step]) -> Option<&'a Value> {
    let mut node = root;
    for step in path {
        node = match (node, step) {
            (Value::Object(map), Step::Key(key)) => map.get(key)?,
            (Value::Array(items), Step::Index(i)) => items.get(*i)?,
            _ => return None,
        };
    }
    Some(node)
}
