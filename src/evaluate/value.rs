//! The policy input as a Rego value, converted directly from the normalised JSON.
//!
//! `regorus::Value::from(serde_json::Value)` goes through serde's visitor: every
//! key and string is copied out of the JSON, every object is built by inserting into
//! a B-tree one key at a time. Here strings are moved, each object is built from all
//! its entries at once, and the few distinct keys of a unit (`kind`, `properties`,
//! ...) share one allocation each.

use std::collections::{BTreeMap, HashMap};

use regorus::Value;
use serde_json::Value as J;

/// Converts a normalised unit (JSON numbers are finite, keys unique) to the value
/// the rules read.
pub fn to_rego(json: J) -> Value {
    Converter::default().value(json)
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
}
