//! The policy input as a Rego value, converted directly from the normalised JSON.
//!
//! `regorus::Value::from(serde_json::Value)` goes through serde's visitor: every
//! key and string is copied out of the JSON, every object is built by inserting into
//! a B-tree one key at a time. Here strings are moved, each object is built from all
//! its entries at once, and the few distinct keys of a unit (`kind`, `properties`,
//! ...) share one allocation each.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use regorus::Value;
use serde_json::Value as J;

/// Converts a normalised unit (JSON numbers are finite, keys unique) to the value
/// the rules read. The members of a large unit's `resources`, `edges` and `by_kind`
/// are converted on all cores, in chunks that each share their keys; a small unit on
/// this thread (it is one task among the scan's many).
pub fn to_rego(json: J) -> Value {
    let size = json
        .get("resources")
        .and_then(J::as_object)
        .map_or(0, |r| r.len());
    match json {
        J::Object(map) if size > CHUNK => {
            let entries: Vec<(String, J)> = map.into_iter().collect();
            let converted: Vec<(Value, Value)> = entries
                .into_par_iter()
                .map(|(k, v)| (Value::from(k.as_str()), large(v)))
                .collect();
            Value::from(converted.into_iter().collect::<BTreeMap<_, _>>())
        }
        other => Converter::default().value(other),
    }
}

/// Members converted per chunk: large enough that a chunk's work outweighs its
/// scheduling and its own key table.
const CHUNK: usize = 512;

/// A member of the unit: its own members converted in parallel when there are many.
fn large(json: J) -> Value {
    match json {
        J::Array(items) if items.len() > CHUNK => {
            let chunks: Vec<Vec<J>> = chunked(items);
            let converted: Vec<Vec<Value>> = chunks
                .into_par_iter()
                .map(|chunk| {
                    let mut c = Converter::default();
                    chunk.into_iter().map(|item| c.value(item)).collect()
                })
                .collect();
            Value::from(converted.into_iter().flatten().collect::<Vec<_>>())
        }
        J::Object(map) if map.len() > CHUNK => {
            let chunks: Vec<Vec<(String, J)>> = chunked(map.into_iter().collect());
            let converted: Vec<Vec<(Value, Value)>> = chunks
                .into_par_iter()
                .map(|chunk| {
                    let mut c = Converter::default();
                    chunk
                        .into_iter()
                        .map(|(k, v)| (c.key(k), c.value(v)))
                        .collect()
                })
                .collect();
            Value::from(converted.into_iter().flatten().collect::<BTreeMap<_, _>>())
        }
        other => Converter::default().value(other),
    }
}

fn chunked<T>(items: Vec<T>) -> Vec<Vec<T>> {
    let mut chunks = Vec::with_capacity(items.len() / CHUNK + 1);
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        chunks.push(items.by_ref().take(CHUNK).collect());
    }
    chunks
}

#[derive(Default)]
struct Converter {
    /// One shared string per distinct object key.
    keys: HashMap<String, Value>,
}

impl Converter {
    fn value(&mut self, json: J) -> Value {
        match json {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(b),
            J::Number(n) => number(&n),
            J::String(s) => Value::String(s.into()),
            J::Array(items) => Value::from(
                items
                    .into_iter()
                    .map(|item| self.value(item))
                    .collect::<Vec<_>>(),
            ),
            J::Object(map) => {
                if map.is_empty() {
                    return Value::new_object();
                }
                // Collecting sorts the entries once and builds the tree in bulk.
                let entries = map.into_iter().map(|(k, v)| (self.key(k), self.value(v)));
                Value::from(entries.collect::<BTreeMap<_, _>>())
            }
        }
    }

    fn key(&mut self, key: String) -> Value {
        if let Some(shared) = self.keys.get(key.as_str()) {
            return shared.clone();
        }
        let shared = Value::String(key.as_str().into());
        self.keys.insert(key, shared.clone());
        shared
    }
}

/// A JSON number as Rego reads it: integers stay exact, the rest are floats.
fn number(n: &serde_json::Number) -> Value {
    if let Some(u) = n.as_u64() {
        Value::from(u)
    } else if let Some(i) = n.as_i64() {
        Value::from(i)
    } else {
        // serde_json holds only finite floats.
        Value::from(n.as_f64().unwrap_or(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The direct conversion gives the value regorus' own conversion gives.
    #[test]
    fn same_value_as_regorus_conversion() {
        let json = serde_json::json!({
            "zeta": [1, -2, 3.5, 18446744073709551615u64, -9223372036854775808i64, null, true],
            "Alpha": {"b": "x", "a": {"kind": "k", "ü": [], "": {}}, "kind": "k"},
            "alpha": {"kind": "k2", "properties": {"Tags": [{"Key": "Owner", "Value": ""}]}},
            "émoji 🙂": "v",
            "10": 1e300,
        });
        let direct = to_rego(json.clone());
        assert_eq!(direct, Value::from(json));
        // Lookups binary-search the sorted entries: every key is found.
        assert_eq!(direct["Alpha"]["a"]["kind"], Value::from("k"));
        assert_eq!(direct["émoji 🙂"], Value::from("v"));
        assert_eq!(
            direct["alpha"]["properties"]["Tags"][0]["Key"],
            Value::from("Owner")
        );
        assert_eq!(direct["zeta"][3], Value::from(u64::MAX));
    }

    /// Large members, converted in parallel chunks, give the same value too.
    #[test]
    fn same_value_for_large_members() {
        let resources: serde_json::Map<String, J> = (0..3 * CHUNK + 7)
            .map(|i| {
                let r = serde_json::json!({"kind": "k", "type": format!("T{}", i % 7), "n": i});
                (format!("R{i:05}"), r)
            })
            .collect();
        let edges: Vec<J> = (0..2 * CHUNK + 1)
            .map(|i| serde_json::json!({"from": format!("R{i:05}"), "to": "R00000", "path": [i]}))
            .collect();
        let json = serde_json::json!({"resources": resources, "edges": edges, "format": "x"});
        assert_eq!(to_rego(json.clone()), Value::from(json));
    }
}
