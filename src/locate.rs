//! locate: a finding's (resource, path) to the span it should point at.
//!
//! The path is a path into the policy input's resource object; this maps it back
//! onto the source: `properties` → the resource's `Properties`, `meta.X` → the
//! resource attribute X, `tags.K` → the tag K in `Properties.Tags` (or the type's own tag property). The deepest part
//! of the path that exists wins: a scalar points at its value, a mapping or list at
//! its key, and nothing below the resource at the resource's name.

use serde_json::Value as J;

use crate::load::{Node, Value};
use crate::normalise::{Layout, ResourceSource};
use crate::source::Span;

/// The span for `path` within resource `res`.
pub fn locate(res: &ResourceSource, path: &[J]) -> Span {
    let Some(first) = path.first().and_then(J::as_str) else {
        return res.name_span;
    };
    let rest = &path[1..];
    let found = match res.layout {
        Layout::CloudFormation => locate_cloudformation(res, first, rest),
        Layout::Terraform => locate_terraform(res, first, rest),
    };
    found.unwrap_or(res.name_span)
}

/// Terraform: properties, meta-arguments and `tags` all live in the block body;
/// `lifecycle` is a nested block (a list of one in the tree).
fn locate_terraform(res: &ResourceSource, first: &str, rest: &[J]) -> Option<Span> {
    let body = &res.node;
    match first {
        "properties" => {
            let (span, depth) = walk(body, rest);
            (depth > 0).then_some(span)
        }
        "meta" => match rest.first().and_then(J::as_str) {
            Some("lifecycle") => {
                body.entry("lifecycle")
                    .map(|e| match e.value.as_seq().and_then(|s| s.first()) {
                        Some(block) => {
                            let (span, depth) = walk(block, &rest[1..]);
                            if depth > 0 {
                                span
                            } else {
                                e.key_span
                            }
                        }
                        None => e.key_span,
                    })
            }
            Some(attr) => body.entry(attr).map(|e| target_span(e.key_span, &e.value)),
            None => None,
        },
        "tags" => body
            .entry("tags")
            .map(|tags| match rest.first().and_then(J::as_str) {
                Some(key) => tag_value(&tags.value, key).unwrap_or(tags.key_span),
                None => tags.key_span,
            }),
        _ => None,
    }
}

fn locate_cloudformation(res: &ResourceSource, first: &str, rest: &[J]) -> Option<Span> {
    match first {
        "properties" => res.node.entry("Properties").and_then(|e| {
            // A path that ends at, or misses right below, `Properties` points at the name.
            let (span, depth) = walk(&e.value, rest);
            (depth > 0).then_some(span)
        }),
        "meta" => match rest.first().and_then(J::as_str) {
            Some("cdk_path") => res
                .node
                .get("Metadata")
                .and_then(|m| m.get("aws:cdk:path"))
                .map(|n| n.span),
            Some(attr) => res.node.entry(attr).map(|e| {
                let (span, depth) = walk(&e.value, &rest[1..]);
                if depth > 0 {
                    span
                } else {
                    target_span(e.key_span, &e.value)
                }
            }),
            None => None,
        },
        "tags" => res
            .node
            .get("Properties")
            .and_then(|p| {
                p.entry(crate::normalise::tagging::cfn_tag_property(
                    &res.resource_type,
                ))
            })
            .map(|tags| match rest.first().and_then(J::as_str) {
                Some(key) => tag_value(&tags.value, key).unwrap_or(tags.key_span),
                None => tags.key_span,
            }),
        _ => None,
    }
}

/// Follows `path` below `node`; returns the span to point at and how many
/// segments matched.
fn walk(node: &Node, path: &[J]) -> (Span, usize) {
    let mut cur = node;
    let mut key_span = node.span;
    let mut depth = 0;
    for seg in path {
        let next = match (&cur.value, seg) {
            (Value::Map(_), J::String(k)) if !cur.is_intrinsic() => {
                cur.entry(k).map(|e| (e.key_span, &e.value))
            }
            (Value::Seq(items), J::Number(n)) => n
                .as_u64()
                .and_then(|i| items.get(i as usize))
                .map(|item| (item.span, item)),
            _ => None,
        };
        match next {
            Some((k, n)) => {
                key_span = k;
                cur = n;
                depth += 1;
            }
            None => break,
        }
    }
    (target_span(key_span, cur), depth)
}

/// A scalar (or an intrinsic function standing for one) is shown by its value;
/// a mapping or list by the key that names it.
fn target_span(key_span: Span, node: &Node) -> Span {
    if node.is_scalar() || node.is_intrinsic() {
        node.span
    } else {
        key_span
    }
}

/// The span of tag `key`'s value, in list (`[{Key, Value}]`) or map form.
fn tag_value(tags: &Node, key: &str) -> Option<Span> {
    match &tags.value {
        Value::Seq(items) => items
            .iter()
            .find(|i| i.get("Key").and_then(Node::as_str) == Some(key))
            .map(|i| i.get("Value").map_or(i.span, |v| v.span)),
        Value::Map(_) => tags.entry(key).map(|e| target_span(e.key_span, &e.value)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load;
    use crate::source::SourceFile;
    use serde_json::json;
    use std::sync::Arc;

    const T: &str = "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    DeletionPolicy: Delete\n    Properties:\n      TracingConfig:\n        Mode: PassThrough\n      Layers:\n        - a\n        - b\n      Tags:\n        - Key: Owner\n          Value: me\n";

    fn res() -> (ResourceSource, Arc<SourceFile>) {
        let file = Arc::new(SourceFile::new("t.yaml".into(), T));
        let root = load::yaml::parse(T).unwrap().unwrap();
        let e = root.get("Resources").unwrap().entry("Fn").unwrap().clone();
        (
            ResourceSource {
                file: file.clone(),
                name_span: e.key_span,
                node: e.value,
                resource_type: "AWS::Lambda::Function".into(),
                cdk_path: None,
                layout: Layout::CloudFormation,
            },
            file,
        )
    }

    fn line(path: J) -> usize {
        let (r, f) = res();
        let p: Vec<J> = path.as_array().unwrap().clone();
        f.position(locate(&r, &p).start).line
    }

    #[test]
    fn points_at_values_keys_or_the_resource() {
        assert_eq!(line(json!(["properties", "TracingConfig", "Mode"])), 7);
        assert_eq!(line(json!(["properties", "TracingConfig", "Missing"])), 6);
        assert_eq!(line(json!(["properties", "Missing", "Deeper"])), 2);
        assert_eq!(line(json!(["properties"])), 2);
        assert_eq!(line(json!(["properties", "Layers", 1])), 10);
        assert_eq!(line(json!(["properties", "Layers"])), 8);
        assert_eq!(line(json!(["meta", "DeletionPolicy"])), 4);
        assert_eq!(line(json!(["meta", "UpdateReplacePolicy"])), 2);
        assert_eq!(line(json!(["tags", "Owner"])), 13);
        assert_eq!(line(json!(["tags", "Team"])), 11);
        assert_eq!(line(json!([])), 2);
    }
}
