//! `count` and `for_each`: the instances a resource or module call will have.
//!
//! Over a known collection each instance is its own resource (`aws_x.y[0]`,
//! `aws_x.y["a"]`, `module.m["k"].aws_x.y`) with `count.index` or `each.key` /
//! `each.value` bound, as Terraform plans it. When the collection is unknown (a
//! variable without a value, another resource's attribute), the block stays one
//! resource under its own address whose instance values are unknown: it may exist,
//! so its known properties are still checked.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use hcl_edit::Span as _;

use super::attr;
use super::config::{Item, ModuleFile};
use super::eval::{weight, V};
use super::modules::InstanceScope;
use crate::normalise::budget::{Budget, Exceeded};
use crate::source::Span;

/// An instance key: a `count` index or a `for_each` key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Key {
    Index(usize),
    Name(String),
}

impl Key {
    /// The address suffix Terraform writes: `[0]`, `["a"]` (the key quoted as an
    /// HCL string).
    pub(super) fn suffix(&self) -> String {
        match self {
            Key::Index(i) => format!("[{i}]"),
            Key::Name(k) => {
                let mut s = String::with_capacity(k.len() + 4);
                s.push_str("[\"");
                for c in k.chars() {
                    match c {
                        '"' => s.push_str("\\\""),
                        '\\' => s.push_str("\\\\"),
                        '\n' => s.push_str("\\n"),
                        c => s.push(c),
                    }
                }
                s.push_str("\"]");
                s
            }
        }
    }

    /// Does an index expression's value select this instance? (`x[0]`, `x["a"]`;
    /// Terraform converts between number and string keys as it does here.)
    pub(super) fn selected_by(&self, v: &V) -> bool {
        match (self, v) {
            (Key::Index(i), V::Num(n)) => *n == *i as f64,
            (Key::Index(i), V::Str(s)) => s.parse::<usize>().ok() == Some(*i),
            (Key::Name(k), V::Str(s)) => k == s,
            (Key::Name(k), V::Num(_)) => v.to_text().as_deref() == Some(k),
            _ => false,
        }
    }

    pub(super) fn to_json(&self) -> serde_json::Value {
        match self {
            Key::Index(i) => (*i).into(),
            Key::Name(k) => k.as_str().into(),
        }
    }
}

/// Names bound while evaluating one instance's block (`count` or `each`).
pub(super) type Bindings = [(String, Rc<V>)];

/// One instance: its key and the names its block sees (`count` or `each`).
pub(super) struct Member {
    pub(super) key: Key,
    pub(super) bindings: Vec<(String, Rc<V>)>,
}

pub(super) enum Expansion {
    /// No `count` or `for_each`: one instance under the block's own address.
    One,
    /// `count` / `for_each` whose collection is not known: one resource stands for
    /// every instance, with unknown instance values.
    Unknown,
    /// Over a known collection (no instance when it is empty).
    Keyed(Vec<Member>),
}

impl Expansion {
    pub(super) fn is_empty(&self) -> bool {
        matches!(self, Expansion::Keyed(list) if list.is_empty())
    }

    /// The address of each instance, from the block's address.
    pub(super) fn addresses(&self, base: &str) -> Vec<String> {
        match self {
            Expansion::One | Expansion::Unknown => vec![base.to_string()],
            Expansion::Keyed(list) => list
                .iter()
                .map(|i| format!("{base}{}", i.key.suffix()))
                .collect(),
        }
    }

    /// The addresses an index expression's value selects: that instance when the
    /// key is known and there, else every instance (an unknown index may be any).
    pub(super) fn selected(&self, base: &str, key: Option<&V>) -> Vec<String> {
        if let (Expansion::Keyed(list), Some(key)) = (self, key) {
            if let Some(i) = list.iter().find(|i| i.key.selected_by(key)) {
                return vec![format!("{base}{}", i.key.suffix())];
            }
        }
        self.addresses(base)
    }
}

/// A resource's instances, and the resource as a value (see `Scope::resource_value`).
pub(super) struct Expanded {
    pub(super) expansion: Expansion,
    pub(super) value: Rc<V>,
}

impl Expanded {
    pub(super) fn new(expansion: Expansion, base: &str, budget: &Budget) -> Expanded {
        let one = |address: String| {
            let refs = BTreeSet::from([address.clone()]);
            V::unknown(address, refs)
        };
        let value = match &expansion {
            Expansion::One | Expansion::Unknown => one(base.to_string()),
            Expansion::Keyed(list) => {
                let v = if list.iter().all(|m| matches!(m.key, Key::Index(_))) {
                    V::List(
                        list.iter()
                            .map(|m| one(format!("{base}{}", m.key.suffix())))
                            .collect(),
                    )
                } else {
                    V::Obj(
                        list.iter()
                            .map(|m| match &m.key {
                                Key::Name(k) => {
                                    (k.clone(), one(format!("{base}{}", m.key.suffix())))
                                }
                                Key::Index(i) => {
                                    (i.to_string(), one(format!("{base}{}", m.key.suffix())))
                                }
                            })
                            .collect(),
                    )
                };
                // Charged as any value built; within max_value_items by `expand`.
                match budget.built(weight(&v, u64::MAX)) {
                    Ok(()) => v,
                    Err(_) => V::unknown(base, BTreeSet::new()),
                }
            }
        };
        Expanded {
            expansion,
            value: Rc::new(value),
        }
    }
}

/// The instances of a resource or module call `item` in the module instance of
/// `scope`; `address` names it in a cap's error.
pub(super) fn expand(scope: &InstanceScope, item: &Item, address: &str) -> Expansion {
    let body = &item.block.body;
    let (meta, a) = match (attr(body, "count"), attr(body, "for_each")) {
        (Some(a), _) => ("count", a),
        (None, Some(a)) => ("for_each", a),
        (None, None) => return Expansion::One,
    };
    let value = match scope.eval_in(item.file, &a.value) {
        // Terraform converts a count written as a string.
        V::Str(s) if meta == "count" => s.trim().parse::<f64>().map_or(V::Str(s), V::Num),
        v => v,
    };
    let keyed: Vec<(Key, Option<V>)> = match (meta, value) {
        ("count", V::Num(n)) if n >= 0.0 && n.fract() == 0.0 => {
            if !within_cap(scope, item, a, address, meta, n) {
                return Expansion::Unknown;
            }
            (0..n as usize).map(|i| (Key::Index(i), None)).collect()
        }
        // A map (or object): each.key is the key, each.value its value.
        ("for_each", V::Obj(m)) => {
            if !within_cap(scope, item, a, address, meta, m.len() as f64) {
                return Expansion::Unknown;
            }
            m.into_iter()
                .map(|(k, v)| (Key::Name(k), Some(v)))
                .collect()
        }
        // A set of strings (`toset(...)`, which is a list here): each.value is each.key.
        // Sets are ordered by value, and a set has no duplicates.
        ("for_each", V::List(items)) => {
            if !within_cap(scope, item, a, address, meta, items.len() as f64) {
                return Expansion::Unknown;
            }
            let mut keys: BTreeMap<String, V> = BTreeMap::new();
            for v in items {
                match &v {
                    V::Str(s) => {
                        keys.insert(s.clone(), v);
                    }
                    // An unknown element, or one that is not a string: the keys are not known.
                    _ => return Expansion::Unknown,
                }
            }
            keys.into_iter()
                .map(|(k, v)| (Key::Name(k), Some(v)))
                .collect()
        }
        _ => return Expansion::Unknown,
    };
    if item.block.ident.as_str() == "resource"
        && !within_unit_cap(scope, item, a, address, keyed.len())
    {
        return Expansion::Unknown;
    }
    Expansion::Keyed(
        keyed
            .into_iter()
            .map(|(key, value)| {
                let bound = match (&key, value) {
                    (Key::Index(i), _) => (
                        "count".to_string(),
                        V::Obj([("index".to_string(), V::Num(*i as f64))].into()),
                    ),
                    (Key::Name(k), value) => (
                        "each".to_string(),
                        V::Obj(
                            [
                                ("key".to_string(), V::Str(k.clone())),
                                ("value".to_string(), value.unwrap_or(V::Null)),
                            ]
                            .into(),
                        ),
                    ),
                };
                Member {
                    key,
                    bindings: vec![(bound.0, Rc::new(bound.1))],
                }
            })
            .collect(),
    )
}

/// The resource instances of a root module are capped (`max_resource_instances`):
/// each is a resource every rule checks. Past the cap the block is one resource
/// with unknown instance values, and its `count` / `for_each` has an error.
fn within_unit_cap(
    scope: &InstanceScope,
    item: &Item,
    a: &hcl_edit::structure::Attribute,
    address: &str,
    n: usize,
) -> bool {
    let made = scope.b.resource_instances.get();
    let max = scope.b.budget.limits().max_resource_instances;
    if made + n <= max {
        scope.b.resource_instances.set(made + n);
        return true;
    }
    let file = &scope.inst.config.files[item.file];
    scope.b.error_at(
        file,
        value_span(file, a).or_else(|| (!file.is_json()).then(|| item.header_span())),
        format!(
            "{address} would make {n} instances, and the root module more than {max} resource \
             instances with count/for_each (the max_resource_instances limit), so it is \
             checked as one resource whose instance values are unknown; raise it with \
             --max-resource-instances or `max_resource_instances` under [limits] in \
             opsgate.toml"
        ),
    );
    false
}

/// Where an attribute's value is written (`None` in .tf.json, whose expressions are
/// parsed from a rendering of the file).
fn value_span(file: &ModuleFile, a: &hcl_edit::structure::Attribute) -> Option<Span> {
    a.value
        .span()
        .filter(|_| !file.is_json())
        .map(|r| Span::new(r.start, r.end))
}

/// More instances than `max_value_items` is a cap reached at the `count` /
/// `for_each`: a located error, and the block stays one resource.
fn within_cap(
    scope: &InstanceScope,
    item: &Item,
    a: &hcl_edit::structure::Attribute,
    address: &str,
    meta: &str,
    n: f64,
) -> bool {
    let budget = &scope.b.budget;
    if n <= budget.limits().max_value_items as f64 {
        return true;
    }
    let file = &scope.inst.config.files[item.file];
    let span = value_span(file, a);
    budget.named(format!("the {meta} of {address}"), || {
        budget.overrun(
            Some(&file.source),
            span,
            Exceeded::ValueItems(n.min(u64::MAX as f64) as u64),
        )
    });
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_written_as_terraform_writes_them() {
        assert_eq!(Key::Index(3).suffix(), "[3]");
        assert_eq!(Key::Name("a".into()).suffix(), "[\"a\"]");
        assert_eq!(Key::Name("a\"b\\c".into()).suffix(), "[\"a\\\"b\\\\c\"]");
    }

    #[test]
    fn an_index_selects_its_instance() {
        assert!(Key::Index(1).selected_by(&V::Num(1.0)));
        assert!(Key::Index(1).selected_by(&V::Str("1".into())));
        assert!(!Key::Index(1).selected_by(&V::Num(2.0)));
        assert!(Key::Name("a".into()).selected_by(&V::Str("a".into())));
        assert!(Key::Name("2".into()).selected_by(&V::Num(2.0)));
        let e = Expansion::Keyed(vec![
            Member {
                key: Key::Index(0),
                bindings: vec![],
            },
            Member {
                key: Key::Index(1),
                bindings: vec![],
            },
        ]);
        assert_eq!(e.selected("x.y", Some(&V::Num(1.0))), vec!["x.y[1]"]);
        assert_eq!(
            e.selected("x.y", Some(&V::unknown("i", Default::default()))),
            vec!["x.y[0]", "x.y[1]"]
        );
        assert_eq!(e.selected("x.y", None), vec!["x.y[0]", "x.y[1]"]);
        assert_eq!(Expansion::Unknown.selected("x.y", None), vec!["x.y"]);
    }
}
