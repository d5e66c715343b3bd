//! The spanned tree every loader produces: YAML, JSON (and later HCL) all become
//! `Node`s, so normalise and locate never care which syntax a value came from.

use crate::source::Span;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub span: Span,
    pub value: Value,
}

/// A mapping entry; keys are always strings and keep their own span.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

impl Node {
    pub fn new(span: Span, value: Value) -> Node {
        Node { span, value }
    }

    pub fn entries(&self) -> &[Entry] {
        match &self.value {
            Value::Map(e) => e,
            _ => &[],
        }
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries().iter().find(|e| e.key == key)
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    pub fn is_scalar(&self) -> bool {
        !matches!(self.value, Value::Map(_) | Value::Seq(_))
    }

    /// The single key of a one-entry mapping (how intrinsic functions look).
    pub fn single_key(&self) -> Option<&Entry> {
        match &self.value {
            Value::Map(e) if e.len() == 1 => Some(&e[0]),
            _ => None,
        }
    }

    /// A CloudFormation intrinsic function (`{Ref: …}`, `{Fn::Sub: …}`), which
    /// stands for one value.
    pub fn is_intrinsic(&self) -> bool {
        self.single_key()
            .is_some_and(|e| e.key == "Ref" || e.key.starts_with("Fn::"))
    }

    /// Plain JSON of the tree, intrinsic functions kept as written.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.to_json()))
                    .collect(),
            ),
        }
    }

    /// The scalar as text, as a template author wrote it (numbers and booleans too).
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}

impl Node {
    /// Problems with the spans of this tree over `text` (empty: none): every span
    /// and key span must lie inside the text and on character boundaries; with
    /// `nested`, every child's (and key's) span must also lie inside its parent's.
    /// YAML aliases and merge keys copy nodes with the spans of their anchor, so
    /// `nested` holds only for trees without them. (For tests and fuzzing.)
    pub fn span_problems(&self, text: &str, nested: bool) -> Vec<String> {
        let mut problems = Vec::new();
        let mut todo = vec![(self, None::<Span>)];
        let bad = |s: Span| {
            s.end > text.len() || !text.is_char_boundary(s.start) || !text.is_char_boundary(s.end)
        };
        while let Some((node, parent)) = todo.pop() {
            if problems.len() > 10 {
                break;
            }
            let mut check = |what: &str, s: Span| {
                if bad(s) {
                    problems.push(format!(
                        "{what} span {}..{} is outside the text ({} bytes) or not on a char boundary",
                        s.start,
                        s.end,
                        text.len()
                    ));
                } else if let Some(p) = parent.filter(|_| nested) {
                    if s.start < p.start || s.end > p.end {
                        problems.push(format!(
                            "{what} span {}..{} ({:?}) is not inside its parent's {}..{} ({:?})",
                            s.start,
                            s.end,
                            &text[s.start..s.end],
                            p.start,
                            p.end,
                            &text[p.start..p.end]
                        ));
                    }
                }
            };
            check("node", node.span);
            match &node.value {
                Value::Seq(items) => todo.extend(items.iter().map(|n| (n, Some(node.span)))),
                Value::Map(entries) => {
                    for e in entries {
                        let mut check_key = |s: Span| {
                            if bad(s) {
                                problems.push(format!(
                                    "key `{}` span {}..{} is outside the text or not on a char boundary",
                                    e.key, s.start, s.end
                                ));
                            } else if nested && (s.start < node.span.start || s.end > node.span.end)
                            {
                                problems.push(format!(
                                    "key `{}` span {}..{} is not inside its mapping's {}..{}",
                                    e.key, s.start, s.end, node.span.start, node.span.end
                                ));
                            }
                        };
                        check_key(e.key_span);
                        todo.push((&e.value, Some(node.span)));
                    }
                }
                _ => {}
            }
        }
        problems
    }
}
