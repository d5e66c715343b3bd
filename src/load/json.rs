//! JSON to `Node` with jsonc-parser in strict mode: byte ranges on every value and
//! property name at serde_json's speed (serde_json keeps no positions).

use std::collections::HashMap;

use jsonc_parser::ast::{self, ObjectPropName};
use jsonc_parser::{parse_to_ast, CollectOptions, ParseOptions};

use super::{Entry, Limits, LoadError, Node, Value};
use crate::source::Span;

/// Parses JSON text with the default limits.
pub fn parse(text: &str) -> Result<Option<Node>, LoadError> {
    parse_with(text, &Limits::default())
}

pub fn parse_with(text: &str, limits: &Limits) -> Result<Option<Node>, LoadError> {
    let options = ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let parsed = parse_to_ast(text, &CollectOptions::default(), &options).map_err(|e| {
        let r = e.range();
        LoadError::at(
            Span::new(r.start, r.end),
            format!("invalid JSON: {}", e.kind()),
        )
    })?;
    parsed.value.map(|v| convert(&v, 0, limits)).transpose()
}

fn span(r: &jsonc_parser::common::Range) -> Span {
    Span::new(r.start, r.end)
}

fn convert(v: &ast::Value, depth: usize, limits: &Limits) -> Result<Node, LoadError> {
    use jsonc_parser::common::Ranged;
    if depth > limits.max_depth {
        return Err(limits.depth_error(v.range().start));
    }
    let node = match v {
        ast::Value::StringLit(s) => Node::new(span(&s.range), Value::Str(s.value.to_string())),
        ast::Value::NumberLit(n) => {
            let value = n
                .value
                .parse::<i64>()
                .map(Value::Int)
                .or_else(|_| n.value.parse::<f64>().map(Value::Float))
                .unwrap_or_else(|_| Value::Str(n.value.to_string()));
            Node::new(span(&n.range), value)
        }
        ast::Value::BooleanLit(b) => Node::new(span(&b.range), Value::Bool(b.value)),
        ast::Value::NullKeyword(n) => Node::new(span(&n.range), Value::Null),
        ast::Value::Array(a) => {
            let items = a
                .elements
                .iter()
                .map(|e| convert(e, depth + 1, limits))
                .collect::<Result<Vec<_>, _>>()?;
            Node::new(span(&a.range), Value::Seq(items))
        }
        ast::Value::Object(o) => {
            let mut entries = Vec::with_capacity(o.properties.len());
            let mut seen: HashMap<&str, Span> = HashMap::new();
            for p in &o.properties {
                let (key, key_span) = match &p.name {
                    ObjectPropName::String(s) => (s.value.as_ref(), span(&s.range)),
                    ObjectPropName::Word(w) => (w.value, span(&w.range)),
                };
                if let Some(first) = seen.insert(key, key_span) {
                    return Err(LoadError {
                        message: format!("duplicate key \"{key}\" in an object"),
                        span: Some(key_span),
                        related: vec![(first, format!("\"{key}\" first defined here"))],
                    });
                }
                entries.push(Entry {
                    key: key.to_string(),
                    key_span,
                    value: convert(&p.value, depth + 1, limits)?,
                });
            }
            Node::new(span(&o.range), Value::Map(entries))
        }
    };
    Ok(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_spans() {
        let text = r#"{"A": {"B": [1, 2.5, "x", true, null]}}"#;
        let n = parse(text).unwrap().unwrap();
        let a = n.entry("A").unwrap();
        assert_eq!(&text[a.key_span.start..a.key_span.end], "\"A\"");
        assert_eq!(
            n.to_json(),
            serde_json::json!({"A": {"B": [1, 2.5, "x", true, null]}})
        );
    }

    #[test]
    fn duplicate_keys_name_both_places() {
        let err = parse("{\"a\": 1,\n \"a\": 2}").unwrap_err();
        assert!(err.message.contains("duplicate key"));
        assert_eq!(err.related.len(), 1);
    }

    #[test]
    fn strict_json() {
        assert!(parse("{\"a\": 1,}").is_err());
        assert!(parse("{// c\n\"a\": 1}").is_err());
        assert!(parse("{\"a\": 1").unwrap_err().span.is_some());
        assert_eq!(parse("   ").unwrap(), None);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let s = format!("{}{}", "[".repeat(400), "]".repeat(400));
        assert!(parse(&s).is_err());
    }
}
