//! HCL (Terraform) with hcl-edit: the maintained HCL parser that keeps byte spans on
//! blocks, attributes and expressions, and comments in their decor (for inline
//! ignores). hcl-rs's own evaluator needs every function and reference declared;
//! opsgate evaluates expressions itself (normalise::terraform::eval) so that what is
//! not known stays unknown instead of failing.

use hcl_edit::structure::Body;

use super::{LoadError, Node};
use crate::source::Span;

/// Parses a `.tf` or `.tfvars` file.
pub fn parse(text: &str) -> Result<Body, LoadError> {
    hcl_edit::parser::parse_body(text).map_err(|e| {
        let offset = e.location().offset().min(text.len());
        LoadError::at(
            Span::new(offset, offset),
            format!("invalid HCL: {}", e.message()),
        )
    })
}

/// A `.tf.json` file as HCL: Terraform's JSON syntax rendered as native syntax, so
/// both go through one evaluator. (Positions in a JSON file are found on the JSON
/// tree itself; the rendered text only serves evaluation.)
pub fn render_json(root: &Node) -> String {
    let mut out = String::new();
    json_body(root, 0, &mut out);
    out
}

/// Keys whose JSON objects are map-valued attributes, not nested blocks (Terraform
/// decides this from provider schemas, which opsgate does not have).
const MAP_ATTRIBUTES: &[&str] = &[
    "tags",
    "tags_all",
    "variables",
    "triggers",
    "labels",
    "parameters",
];

fn json_body(node: &Node, depth: usize, out: &mut String) {
    use super::Value;
    for e in node.entries() {
        let key = &e.key;
        match &e.value.value {
            Value::Map(_) if depth < 3 && !MAP_ATTRIBUTES.contains(&key.as_str()) => {
                // resource "type" "name" { ... }: labels are the nesting levels
                json_block(key, &e.value, depth, out);
            }
            Value::Seq(items)
                if depth >= 1
                    && !items.is_empty()
                    && items.iter().all(|i| i.is_map())
                    && !MAP_ATTRIBUTES.contains(&key.as_str()) =>
            {
                for item in items {
                    out.push_str(&format!("{key} {{\n"));
                    json_body(item, depth + 1, out);
                    out.push_str("}\n");
                }
            }
            _ => {
                out.push_str(&format!("{} = ", hcl_key(key)));
                json_expr(&e.value, out);
                out.push('\n');
            }
        }
    }
}

/// Top-level block types and how many labels they take.
fn label_count(block: &str) -> usize {
    match block {
        "resource" | "data" => 2,
        "module" | "variable" | "output" | "provider" => 1,
        _ => 0,
    }
}

fn json_block(key: &str, node: &Node, depth: usize, out: &mut String) {
    let labels = if depth == 0 { label_count(key) } else { 0 };
    let mut frontier: Vec<(Vec<String>, &Node)> = vec![(vec![], node)];
    for _ in 0..labels {
        frontier = frontier
            .into_iter()
            .flat_map(|(l, n)| {
                n.entries().iter().map(move |e| {
                    let mut l = l.clone();
                    l.push(e.key.clone());
                    (l, &e.value)
                })
            })
            .collect();
    }
    for (labels, body) in frontier {
        let labels: Vec<String> = labels.iter().map(|l| hcl_string(l)).collect();
        out.push_str(&format!("{key} {} {{\n", labels.join(" ")));
        json_body(body, depth + 1, out);
        out.push_str("}\n");
    }
}

fn hcl_key(key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !key.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        key.to_string()
    } else {
        hcl_string(key)
    }
}

/// A JSON string as an HCL template string: `${...}` stays an interpolation.
fn hcl_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_expr(node: &Node, out: &mut String) {
    use super::Value;
    match &node.value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(&b.to_string()),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&f.to_string()),
        Value::Str(s) => out.push_str(&hcl_string(s)),
        Value::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                json_expr(item, out);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            out.push_str("{\n");
            for e in entries {
                out.push_str(&format!("{} = ", hcl_string(&e.key)));
                json_expr(&e.value, out);
                out.push('\n');
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hcl_edit::structure::Structure;

    #[test]
    fn parse_errors_are_located() {
        let err = parse("resource \"a\" \"b\" {\n  x = [1, 2\n}\n").unwrap_err();
        assert!(err.message.starts_with("invalid HCL"), "{}", err.message);
        assert!(err.span.is_some());
    }

    #[test]
    fn repeated_object_keys_are_read_as_terraform_reads_them() {
        // vendor/hcl-edit/PATCHES.md: the last value wins, the file still loads.
        let body = parse("x = {\n  port = 80\n  name = \"a\"\n  port = 81\n}\n").unwrap();
        let Some(Structure::Attribute(a)) = body.iter().next() else {
            panic!()
        };
        let hcl_edit::expr::Expression::Object(o) = &a.value else {
            panic!()
        };
        let ports: Vec<String> = o
            .iter()
            .filter(
                |(k, _)| matches!(k, hcl_edit::expr::ObjectKey::Ident(i) if i.as_str() == "port"),
            )
            .map(|(_, v)| v.expr().to_string())
            .collect();
        assert_eq!(ports.len(), 1);
        assert_eq!(ports[0].trim(), "81");
        // A repeated attribute is an error in Terraform too.
        assert!(parse("a = 1\na = 2\n").is_err());
    }

    #[test]
    fn terraform_json_becomes_blocks_and_attributes() {
        let json = r#"{"resource": {"aws_lambda_function": {"f": {"function_name": "x-${var.env}", "tracing_config": {"mode": "Active"}, "tags": {"Owner": "me"}}}}, "variable": {"env": {"default": "dev"}}}"#;
        let root = crate::load::json::parse(json).unwrap().unwrap();
        let body = parse(&render_json(&root)).unwrap();
        let blocks: Vec<_> = body
            .iter()
            .filter_map(|s| match s {
                Structure::Block(b) => Some((
                    b.ident.as_str().to_string(),
                    b.labels
                        .iter()
                        .map(|l| l.as_str().to_string())
                        .collect::<Vec<_>>(),
                )),
                _ => None,
            })
            .collect();
        assert_eq!(
            blocks,
            vec![
                (
                    "resource".to_string(),
                    vec!["aws_lambda_function".to_string(), "f".to_string()]
                ),
                ("variable".to_string(), vec!["env".to_string()]),
            ]
        );
    }
}
