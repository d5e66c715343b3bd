//! The source side of a Terraform resource: its block as a spanned `Node` tree for
//! `locate` (attributes by name, nested blocks as lists), and its header span.

use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{Body, Structure};
use hcl_edit::Span as _;

use super::config::{Item, ModuleFile};
use crate::load::{Entry, Node, Value};
use crate::source::Span;

fn span(r: Option<std::ops::Range<usize>>) -> Span {
    r.map_or(Span::default(), |r| Span::new(r.start, r.end))
}

/// The resource's tree and the span of its header (or, in `.tf.json`, its name).
pub fn resource_node(file: &ModuleFile, item: &Item, rtype: &str) -> (Node, Span) {
    if let Some(json) = &file.json {
        let entry = json
            .get("resource")
            .and_then(|r| r.get(rtype))
            .and_then(|t| t.entry(item.label(1)));
        return match entry {
            Some(e) => (e.value.clone(), e.key_span),
            None => (
                Node::new(Span::default(), Value::Map(vec![])),
                Span::default(),
            ),
        };
    }
    (
        body_node(&item.block.body, span(item.block.span())),
        item.header_span(),
    )
}

fn body_node(body: &Body, whole: Span) -> Node {
    let mut entries: Vec<Entry> = Vec::new();
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => entries.push(Entry {
                key: a.key.as_str().to_string(),
                key_span: span(a.key.span()),
                value: expr_node(&a.value),
            }),
            Structure::Block(b) => {
                let block_span = span(b.span());
                if b.ident.as_str() == "dynamic" {
                    let label = b.labels.first().map_or("", |l| l.as_str()).to_string();
                    entries.push(Entry {
                        key: label,
                        key_span: span(b.ident.span()),
                        value: Node::new(block_span, Value::Null),
                    });
                    continue;
                }
                let item = body_node(&b.body, block_span);
                let key = b.ident.as_str();
                match entries.iter_mut().find(|e| e.key == key) {
                    Some(Entry {
                        value:
                            Node {
                                value: Value::Seq(items),
                                ..
                            },
                        ..
                    }) => items.push(item),
                    _ => entries.push(Entry {
                        key: key.to_string(),
                        key_span: span(b.ident.span()),
                        value: Node::new(block_span, Value::Seq(vec![item])),
                    }),
                }
            }
        }
    }
    Node::new(whole, Value::Map(entries))
}

fn expr_node(e: &Expression) -> Node {
    let whole = span(e.span());
    match e {
        Expression::Object(o) => Node::new(
            whole,
            Value::Map(
                o.iter()
                    .map(|(k, v)| {
                        let key = match k {
                            ObjectKey::Ident(i) => i.as_str().to_string(),
                            ObjectKey::Expression(x) => x.as_str().unwrap_or("").to_string(),
                        };
                        Entry {
                            key,
                            key_span: span(k.span()),
                            value: expr_node(v.expr()),
                        }
                    })
                    .collect(),
            ),
        ),
        Expression::Array(a) => Node::new(whole, Value::Seq(a.iter().map(expr_node).collect())),
        // Any other expression stands for one value.
        _ => Node::new(whole, Value::Null),
    }
}
