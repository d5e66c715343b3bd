//! Resources (and data sources) of a module instance into the policy input:
//! properties, meta-arguments, merged tags, edges, and the source tree for `locate`.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::Span as _;
use serde_json::{json, Map, Value as J};

use super::config::Item;
use super::eval::{charged_copy, Eval, Scope, V};
use super::instances::{Expansion, Key};
use super::modules::{traversal_name, InstanceScope};
use super::{attr, nodes};
use crate::normalise::object;
use crate::normalise::{Layout, ResourceSource};

/// Meta-arguments: not resource properties.
const META_ARGUMENTS: &[&str] = &["count", "for_each", "depends_on", "provider"];

#[derive(Default)]
pub(super) struct Emitted {
    pub(super) resources: Map<String, J>,
    pub(super) data: Map<String, J>,
    pub(super) by_kind: BTreeMap<String, Vec<String>>,
    pub(super) edges: Vec<J>,
    pub(super) sources: BTreeMap<String, ResourceSource>,
    pub(super) notes: Vec<String>,
}

pub(super) fn emit_resource(scope: &InstanceScope, item: &Item, out: &mut Emitted) {
    let base = format!("{}{}.{}", scope.inst.prefix, item.label(0), item.label(1));
    match &scope.expansion(item, &base).expansion {
        Expansion::One | Expansion::Unknown => emit_instance(scope, item, &base, None, &[], out),
        Expansion::Keyed(list) if list.is_empty() => out.notes.push(format!(
            "{base}: count/for_each is known to be empty; the resource does not exist"
        )),
        Expansion::Keyed(list) => {
            for m in list {
                let address = format!("{base}{}", m.key.suffix());
                emit_instance(scope, item, &address, Some(&m.key), &m.bindings, out);
            }
        }
    }
}

/// One resource: the block's, or one instance of it (`key`, with `count` / `each`
/// bound in `bindings`).
fn emit_instance(
    scope: &InstanceScope,
    item: &Item,
    address: &str,
    key: Option<&Key>,
    bindings: &[(String, Rc<V>)],
    out: &mut Emitted,
) {
    let inst = &scope.inst;
    let rtype = item.label(0);
    let address = address.to_string();
    let file = &inst.config.files[item.file];
    let body = &item.block.body;
    let (properties, lifecycle) = block_properties(scope, item.file, body, bindings);
    let mut meta = Map::new();
    meta.insert("module".into(), json!(inst.prefix.trim_end_matches('.')));
    match key {
        // An instance: its key, not the collection (which may be large, and would be
        // copied into every instance).
        Some(key) => {
            meta.insert("key".into(), key.to_json());
        }
        None => {
            for k in ["count", "for_each"] {
                if let Some(a) = attr(body, k) {
                    meta.insert(k.into(), scope.eval_in(item.file, &a.value).to_json());
                }
            }
        }
    }
    let provider = attr(body, "provider").map(|a| traversal_name(&a.value));
    if let Some(p) = &provider {
        meta.insert("provider".into(), json!(p));
    }
    if let Some(l) = lifecycle {
        meta.insert("lifecycle".into(), l.to_json());
    }
    let mut edges = Vec::new();
    if let Some(d) = attr(body, "depends_on") {
        let mut names = Vec::new();
        if let hcl_edit::expr::Expression::Array(a) = &d.value {
            for e in a.iter() {
                let n = traversal_name(e);
                let targets = if let Some(rest) = n.strip_prefix("module.") {
                    let call = rest.split('.').next().unwrap_or("");
                    names.push(json!(format!("{}module.{call}", inst.prefix)));
                    continue;
                } else {
                    let mut parts = n.splitn(3, '.');
                    let (a, b) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                    if a == "data" {
                        let c = parts.next().unwrap_or("");
                        scope.data(b, c).into_iter().collect()
                    } else {
                        scope.resource(a, b, None)
                    }
                };
                if targets.is_empty() {
                    names.push(json!(n));
                }
                for target in targets {
                    edges.push(json!({"from": address, "to": target, "path": ["meta", "depends_on"], "via": "depends_on"}));
                    names.push(json!(target));
                }
            }
        }
        meta.insert("depends_on".into(), J::Array(names));
    }
    collect_edges(
        &address,
        &properties,
        &mut vec![json!("properties")],
        &mut edges,
    );

    let provider_name =
        provider.unwrap_or_else(|| rtype.split('_').next().unwrap_or("").to_string());
    // Copied into every resource of the provider: charged like any other copy.
    let default_tags = inst
        .providers
        .borrow()
        .get(&provider_name)
        .cloned()
        .map(|t| {
            let budget = &scope.b.budget;
            charged_copy(budget, &t).unwrap_or_else(|e| {
                let at = (!file.is_json()).then(|| item.header_span());
                budget.overrun(Some(&file.source), at, e);
                V::unknown("default_tags", BTreeSet::new())
            })
        });
    let tags = if rtype == "aws_autoscaling_group" {
        super::autoscaling_group_tags(&properties.to_json())
    } else {
        merge_tags(
            default_tags,
            match &properties {
                V::Obj(m) => m.get("tags").cloned(),
                _ => None,
            },
        )
        .to_json()
    };

    let (node, name_span) = nodes::resource_node(file, item, rtype);
    out.by_kind
        .entry(rtype.to_string())
        .or_default()
        .push(address.clone());
    out.edges.extend(edges);
    out.resources.insert(
        address.clone(),
        object([
            ("address", address.as_str().into()),
            ("type", rtype.into()),
            ("kind", rtype.into()),
            ("properties", properties.to_json()),
            ("tags", tags),
            ("meta", J::Object(meta)),
            ("file", file.source.display.as_str().into()),
            ("line", file.source.position(name_span.start).line.into()),
        ]),
    );
    out.sources.insert(
        address,
        ResourceSource {
            file: file.source.clone(),
            name_span,
            node,
            resource_type: rtype.to_string(),
            cdk_path: None,
            layout: Layout::Terraform,
        },
    );
}

/// A data source: an input, not a resource to check; kept for policies that
/// look at what a resource reads (an AMI from `data.aws_ami`).
pub(super) fn emit_data(scope: &InstanceScope, item: &Item, out: &mut Emitted) {
    let inst = &scope.inst;
    let address = format!("{}data.{}.{}", inst.prefix, item.label(0), item.label(1));
    let (properties, _) = block_properties(scope, item.file, &item.block.body, &[]);
    let file = &inst.config.files[item.file].source;
    out.data.insert(
        address.clone(),
        object([
            ("address", address.as_str().into()),
            ("type", item.label(0).into()),
            ("properties", properties.to_json()),
            ("file", file.display.as_str().into()),
            ("line", file.position(item.header_span().start).line.into()),
        ]),
    );
}

/// Resource tags over the provider's default tags; unknown when either is unknown
/// (a required tag might be among them).
fn merge_tags(default_tags: Option<V>, tags: Option<V>) -> V {
    let mut out = BTreeMap::new();
    for t in [default_tags, tags].into_iter().flatten() {
        match t {
            V::Obj(m) => out.extend(m),
            V::Null => {}
            other => return other,
        }
    }
    V::Obj(out)
}

/// A block body as properties (attributes; nested blocks as lists of objects;
/// `dynamic` blocks expanded when their `for_each` is known, else unknown) and its
/// `lifecycle` block, if any.
pub(super) fn block_properties(
    scope: &InstanceScope,
    file: usize,
    body: &Body,
    bindings: &[(String, Rc<V>)],
) -> (V, Option<V>) {
    let f = &scope.inst.config.files[file];
    let ev = Eval::new(scope, &f.hcl, Some(&f.source)).with(bindings.iter().cloned());
    body_properties(&ev, scope, file, body)
}

fn body_properties(ev: &Eval, scope: &InstanceScope, file: usize, body: &Body) -> (V, Option<V>) {
    let mut props: BTreeMap<String, V> = BTreeMap::new();
    let mut lifecycle = None;
    // Blocks of one type: a list; a dynamic block that cannot be expanded adds an
    // unknown element, so the static blocks beside it stay visible.
    let push = |props: &mut BTreeMap<String, V>, name: &str, item: V| match props.remove(name) {
        None => {
            let v = if item.is_unknown() {
                item
            } else {
                V::List(vec![item])
            };
            props.insert(name.to_string(), v);
        }
        Some(V::List(mut items)) => {
            items.push(item);
            props.insert(name.to_string(), V::List(items));
        }
        Some(other) => {
            props.insert(name.to_string(), V::List(vec![other, item]));
        }
    };
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => {
                let k = a.key.as_str();
                if !META_ARGUMENTS.contains(&k) {
                    props.insert(k.to_string(), ev.eval(&a.value));
                }
            }
            Structure::Block(b) => match b.ident.as_str() {
                "lifecycle" => lifecycle = Some(lifecycle_properties(ev, scope, file, &b.body)),
                "provisioner" | "connection" => {}
                "dynamic" => {
                    let name = b.labels.first().map_or("", |l| l.as_str()).to_string();
                    match dynamic_blocks(ev, scope, file, b, &name) {
                        Ok(items) => items
                            .into_iter()
                            .for_each(|item| push(&mut props, &name, item)),
                        Err(unknown) => push(&mut props, &name, unknown),
                    }
                }
                ident => {
                    let nested = body_properties(ev, scope, file, &b.body).0;
                    push(&mut props, ident, nested);
                }
            },
        }
    }
    (V::Obj(props), lifecycle)
}

/// `dynamic "name" { for_each = ...; iterator = it; content { ... } }`: one block per
/// element when `for_each` is known (with `name.key` / `name.value` bound), else an
/// unknown that keeps the references of `for_each` and `content`.
fn dynamic_blocks(
    ev: &Eval,
    scope: &InstanceScope,
    file: usize,
    b: &Block,
    name: &str,
) -> Result<Vec<V>, V> {
    let iterator =
        attr(&b.body, "iterator").map_or_else(|| name.to_string(), |a| traversal_name(&a.value));
    let content = b.body.iter().find_map(|s| match s {
        Structure::Block(c) if c.ident.as_str() == "content" => Some(&c.body),
        _ => None,
    });
    let for_each = attr(&b.body, "for_each").map_or(V::Null, |a| ev.eval(&a.value));
    let items: Option<Vec<(V, V)>> = match &for_each {
        V::List(l) => Some(
            l.iter()
                .enumerate()
                .map(|(i, v)| (V::Num(i as f64), v.clone()))
                .collect(),
        ),
        V::Obj(m) => Some(
            m.iter()
                .map(|(k, v)| (V::Str(k.clone()), v.clone()))
                .collect(),
        ),
        _ => None,
    };
    let item =
        |key: V, value: V| V::Obj([("key".to_string(), key), ("value".to_string(), value)].into());
    match (items, content) {
        (Some(items), Some(content)) => Ok(items
            .into_iter()
            .map(|(k, v)| {
                body_properties(
                    &ev.with([(iterator.clone(), std::rc::Rc::new(item(k, v)))]),
                    scope,
                    file,
                    content,
                )
                .0
            })
            .collect()),
        (Some(_), None) => Ok(vec![]),
        (None, content) => {
            let mut refs = BTreeSet::new();
            for_each.refs(&mut refs);
            if let Some(content) = content {
                let unknown_item = V::unknown(iterator.clone(), BTreeSet::new());
                body_properties(
                    &ev.with([(iterator.clone(), std::rc::Rc::new(unknown_item))]),
                    scope,
                    file,
                    content,
                )
                .0
                .refs(&mut refs);
            }
            Err(V::unknown(block_text(scope, file, b), refs))
        }
    }
}

/// The lifecycle block; `ignore_changes` and `replace_triggered_by` name
/// attributes and resources, which are kept as written.
fn lifecycle_properties(ev: &Eval, scope: &InstanceScope, file: usize, body: &Body) -> V {
    let mut props = match body_properties(ev, scope, file, body).0 {
        V::Obj(m) => m,
        _ => BTreeMap::new(),
    };
    for key in ["ignore_changes", "replace_triggered_by"] {
        if let Some(a) = attr(body, key) {
            let names = match &a.value {
                hcl_edit::expr::Expression::Array(items) => {
                    V::List(items.iter().map(|e| V::Str(traversal_name(e))).collect())
                }
                other => V::Str(traversal_name(other)),
            };
            props.insert(key.to_string(), names);
        }
    }
    V::Obj(props)
}

fn block_text(scope: &InstanceScope, file: usize, b: &Block) -> String {
    let text = scope.inst.config.files[file].text(b.span());
    // The header is enough to recognise the block.
    text.lines().next().unwrap_or("").trim().to_string()
}

/// Edges from every reference an unknown value carries, at its path.
fn collect_edges(from: &str, v: &V, path: &mut Vec<J>, out: &mut Vec<J>) {
    match v {
        V::Unknown(u) | V::PartialJson(u) => {
            for to in &u.refs {
                if to != from {
                    out.push(object([
                        ("from", from.into()),
                        ("to", to.as_str().into()),
                        ("path", J::Array(path.clone())),
                        ("via", "reference".into()),
                    ]));
                }
            }
        }
        V::List(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(json!(i));
                collect_edges(from, item, path, out);
                path.pop();
            }
        }
        V::Obj(m) => {
            for (k, item) in m {
                path.push(json!(k));
                collect_edges(from, item, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}
