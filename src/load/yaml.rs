//! YAML to `Node`, built straight from saphyr-parser's event stream.
//!
//! saphyr-parser is the maintained successor of yaml-rust2 and the only YAML parser
//! in Rust that gives spans for every node *and* keeps custom tags (`!Ref`), which
//! CloudFormation needs. Building our own tree from its events (instead of saphyr's
//! `MarkedYaml`) gives one tree instead of two, both locations for duplicate keys, a
//! depth bound, and an alias budget we count ourselves.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as YSpan, Tag};

use super::{Entry, Limits, LoadError, Node, Value};
use crate::source::Span;

/// Parses the first YAML document of `text` with the default limits.
pub fn parse(text: &str) -> Result<Option<Node>, LoadError> {
    parse_with(text, &Limits::default())
}

/// Parses the first YAML document of `text`.
pub fn parse_with(text: &str, limits: &Limits) -> Result<Option<Node>, LoadError> {
    let offsets = CharOffsets::new(text);
    let mut builder = Builder {
        text,
        offsets: &offsets,
        limits,
        stack: Vec::new(),
        anchors: HashMap::new(),
        alias_nodes: 0,
        root: None,
    };
    for item in Parser::new_from_str(text) {
        match item {
            Ok((event, span)) => {
                if builder.event(event, span)? {
                    break;
                }
            }
            Err(e) => {
                let at = offsets.byte(e.marker().index());
                return Err(builder.syntax_error(e.info(), at));
            }
        }
    }
    Ok(builder.root)
}

/// saphyr counts positions in characters; miette and our spans use bytes.
struct CharOffsets {
    /// Byte offset of each character, only built for non-ASCII text.
    table: Option<Vec<usize>>,
    len: usize,
}

impl CharOffsets {
    fn new(text: &str) -> CharOffsets {
        let table = (!text.is_ascii()).then(|| text.char_indices().map(|(b, _)| b).collect());
        CharOffsets {
            table,
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        match &self.table {
            None => char_index.min(self.len),
            Some(t) => t.get(char_index).copied().unwrap_or(self.len),
        }
    }
}

enum Frame {
    Seq {
        start: usize,
        /// Where its `[` is, for a flow sequence.
        open: Option<usize>,
        anchor: usize,
        tag: Option<(String, Span)>,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        /// Where its `{` is, for a flow mapping.
        open: Option<usize>,
        anchor: usize,
        tag: Option<(String, Span)>,
        entries: Vec<Entry>,
        key: Option<(String, Span)>,
        seen: HashMap<String, Span>,
    },
}

struct Builder<'a> {
    text: &'a str,
    offsets: &'a CharOffsets,
    limits: &'a Limits,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    alias_nodes: usize,
    root: Option<Node>,
}

impl Builder<'_> {
    fn span(&self, s: &YSpan) -> Span {
        Span::new(
            self.offsets.byte(s.start.index()),
            self.offsets.byte(s.end.index()),
        )
    }

    /// Handles one event; returns true once the first document is complete.
    fn event(&mut self, event: Event<'_>, yspan: YSpan) -> Result<bool, LoadError> {
        let span = self.span(&yspan);
        match event {
            Event::Scalar(value, style, anchor, tag) => {
                let tag = tag.map(|t| (tag_name(&t), span));
                let node = scalar(&value, style, tag.as_ref().map(|t| t.0.as_str()), span);
                let node = wrap_tag(node, tag, self.text);
                self.finish(node, anchor)
            }
            Event::SequenceStart(anchor, tag) => {
                self.push(Frame::Seq {
                    start: span.start,
                    open: self.flow_opener(span, b'['),
                    anchor,
                    tag: tag.map(|t| (tag_name(&t), span)),
                    items: Vec::new(),
                })?;
                Ok(false)
            }
            Event::MappingStart(anchor, tag) => {
                self.push(Frame::Map {
                    start: span.start,
                    open: self.flow_opener(span, b'{'),
                    anchor,
                    tag: tag.map(|t| (tag_name(&t), span)),
                    entries: Vec::new(),
                    key: None,
                    seen: HashMap::new(),
                })?;
                Ok(false)
            }
            Event::SequenceEnd => match self.stack.pop() {
                Some(Frame::Seq {
                    start,
                    anchor,
                    tag,
                    items,
                    ..
                }) => {
                    let end = collection_end(span, items.last().map(|n| n.span.end));
                    let node = Node::new(Span::new(start, end), Value::Seq(items));
                    self.finish(wrap_tag(node, tag, self.text), anchor)
                }
                _ => Err(LoadError::at(span, "invalid YAML: unbalanced sequence")),
            },
            Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Map {
                    start,
                    anchor,
                    tag,
                    entries,
                    ..
                }) => {
                    let end = collection_end(span, entries.last().map(|e| e.value.span.end));
                    let entries = merge_keys(entries);
                    let node = Node::new(Span::new(start, end), Value::Map(entries));
                    self.finish(wrap_tag(node, tag, self.text), anchor)
                }
                _ => Err(LoadError::at(span, "invalid YAML: unbalanced mapping")),
            },
            Event::Alias(id) => {
                let Some(target) = self.anchors.get(&id) else {
                    return Err(LoadError::at(
                        span,
                        "invalid YAML: alias to an unknown anchor",
                    ));
                };
                self.alias_nodes += count_nodes(target);
                let max = self.limits.max_alias_nodes;
                if self.alias_nodes > max {
                    return Err(LoadError::at(
                        span,
                        format!(
                            "YAML aliases expand to more than {max} nodes (the max_alias_nodes limit; an alias bomb?); \
                             refusing to expand further. Raise it with --max-alias-nodes or `max_alias_nodes` \
                             under [limits] in opsgate.toml"
                        ),
                    ));
                }
                let mut node = target.clone();
                node.span = span;
                self.finish(node, 0)
            }
            Event::DocumentEnd => Ok(self.root.is_some()),
            Event::StreamStart | Event::StreamEnd | Event::DocumentStart(_) | Event::Nothing => {
                Ok(false)
            }
        }
    }

    /// A flow collection's start event ends just after its `{` / `[` (after any
    /// anchor and tag); a block collection's does not.
    fn flow_opener(&self, span: Span, bracket: u8) -> Option<usize> {
        let at = span.end.checked_sub(1)?;
        (self.text.as_bytes().get(at) == Some(&bracket)).then_some(at)
    }

    /// The error for the parser's message `info` at byte `at`. The parser reports an
    /// unclosed flow collection where it ran out of text, past the last line: the
    /// collection's own `{` / `[` is pointed at instead; an error inside an open flow
    /// collection also names where it starts.
    fn syntax_error(&self, info: &str, at: usize) -> LoadError {
        if info == "recursion limit exceeded" {
            return LoadError::at(
                Span::new(at, at),
                "YAML flow collections ([…], {…}) nested deeper than 255 levels, \
                 the YAML parser's fixed limit (max_depth cannot raise it)",
            );
        }
        let open_flow = self.stack.iter().rev().find_map(|f| match f {
            Frame::Seq { open: Some(o), .. } => Some((*o, "sequence", ']')),
            Frame::Map { open: Some(o), .. } => Some((*o, "mapping", '}')),
            _ => None,
        });
        if info.ends_with("found unexpected end of stream") && info.contains("quoted scalar") {
            // The parser's mark is the opening quote.
            let quote = self.text.get(at..).and_then(|t| t.chars().next());
            return LoadError::at(
                Span::new(at, at + quote.map_or(0, char::len_utf8)),
                "invalid YAML: this quoted string is never closed (the file ends inside it)",
            );
        }
        match open_flow {
            Some((open, what, closer)) if only_comments_after(self.text, at) => LoadError::at(
                Span::new(open, open + 1),
                format!(
                    "invalid YAML: this flow {what} is never closed; expected `,` or `{closer}` before the end of the file"
                ),
            ),
            Some((open, what, _)) => LoadError {
                message: format!("invalid YAML: {info}"),
                span: Some(Span::new(at, at)),
                related: vec![(
                    Span::new(open, open + 1),
                    format!("in the flow {what} that starts here"),
                )],
            },
            None => LoadError::at(Span::new(at, at), format!("invalid YAML: {info}")),
        }
    }

    fn push(&mut self, frame: Frame) -> Result<(), LoadError> {
        if self.stack.len() >= self.limits.max_depth {
            let start = match &frame {
                Frame::Seq { start, .. } | Frame::Map { start, .. } => *start,
            };
            return Err(self.limits.depth_error(start));
        }
        self.stack.push(frame);
        Ok(())
    }

    /// Places a completed node into its parent (or makes it the document root).
    fn finish(&mut self, node: Node, anchor: usize) -> Result<bool, LoadError> {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                Ok(true)
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                Ok(false)
            }
            Some(Frame::Map {
                entries, key, seen, ..
            }) => {
                match key.take() {
                    None => {
                        let Some(text) = node
                            .scalar_text()
                            .or_else(|| matches!(node.value, Value::Null).then(String::new))
                        else {
                            return Err(LoadError::at(
                                node.span,
                                "complex mapping keys (a mapping or list used as a key) are not supported",
                            ));
                        };
                        *key = Some((text, node.span));
                    }
                    Some((k, key_span)) => {
                        if let Some(first) = seen.get(&k) {
                            return Err(LoadError {
                                message: format!("duplicate key `{k}` in a mapping"),
                                span: Some(key_span),
                                related: vec![(*first, format!("`{k}` first defined here"))],
                            });
                        }
                        if k != "<<" {
                            seen.insert(k.clone(), key_span);
                        }
                        entries.push(Entry {
                            key: k,
                            key_span,
                            value: node,
                        });
                    }
                }
                Ok(false)
            }
        }
    }
}

/// Whether nothing but blank lines and comments follows byte `at`.
fn only_comments_after(text: &str, at: usize) -> bool {
    text.get(at..).is_some_and(|rest| {
        rest.lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    })
}

/// Where a collection ends: a flow collection's end event is its closing bracket;
/// a block collection's is empty and sits at the next token (after any trailing
/// comments), so the block ends with its last child.
fn collection_end(end_event: Span, last_child_end: Option<usize>) -> usize {
    match last_child_end {
        Some(child) if end_event.is_empty() => child,
        _ => end_event.end,
    }
}

fn tag_name(tag: &Tag) -> String {
    if tag.handle.is_empty() && tag.suffix == "!" {
        // the non-specific tag `!`
        String::new()
    } else if tag.handle == "!" {
        tag.suffix.clone()
    } else if tag.handle == "!!" || tag.handle == "tag:yaml.org,2002:" {
        format!("!!{}", tag.suffix)
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}

/// The YAML 1.2 core schema for plain scalars; quoted and block scalars are strings.
fn scalar(value: &str, style: ScalarStyle, tag: Option<&str>, span: Span) -> Node {
    if tag == Some("!!str") || style != ScalarStyle::Plain {
        return Node::new(span, Value::Str(value.to_string()));
    }
    let v = match value {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Value::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => Value::Float(f64::NAN),
        _ => number(value).unwrap_or_else(|| Value::Str(value.to_string())),
    };
    Node::new(span, v)
}

fn number(s: &str) -> Option<Value> {
    let bytes = s.as_bytes();
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits.is_empty() {
        return None;
    }
    if let Some(oct) = s.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok().map(Value::Int);
    }
    if let Some(hex) = s.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok().map(Value::Int);
    }
    if digits.bytes().all(|b| b.is_ascii_digit()) {
        // Too large for i64: keep the text rather than lose digits.
        return s.parse::<i64>().ok().map(Value::Int);
    }
    let first = digits.as_bytes()[0];
    let float_like = (first.is_ascii_digit() || first == b'.')
        && bytes
            .iter()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(b))
        && digits.bytes().any(|b| b.is_ascii_digit());
    if float_like {
        return s.parse::<f64>().ok().map(Value::Float);
    }
    None
}

/// CloudFormation short forms become their long forms: `!Ref X` → `{Ref: X}`,
/// `!GetAtt A.B` → `{Fn::GetAtt: [A, B]}`, `!Condition C` → `{Condition: C}`,
/// every other `!Name` → `{Fn::Name: …}`. Core-schema tags (`!!str`) are dropped.
fn wrap_tag(node: Node, tag: Option<(String, Span)>, text: &str) -> Node {
    let Some((name, tag_span)) = tag else {
        return node;
    };
    // `!` alone is YAML's non-specific tag: a plain string, not a function.
    if name.is_empty() || name.starts_with("!!") || name.contains(':') {
        return node;
    }
    let key = match name.as_str() {
        "Ref" | "Condition" => name.clone(),
        _ => format!("Fn::{name}"),
    };
    let span = Span::new(
        tag_span.start.min(node.span.start),
        node.span.end.max(tag_span.end),
    );
    let operand = if name == "GetAtt" {
        match &node.value {
            Value::Str(s) => {
                let (res, attr) = s.split_once('.').unwrap_or((s.as_str(), ""));
                Node::new(
                    node.span,
                    Value::Seq(vec![
                        Node::new(node.span, Value::Str(res.to_string())),
                        Node::new(node.span, Value::Str(attr.to_string())),
                    ]),
                )
            }
            _ => node,
        }
    } else {
        node
    };
    let key_span = tag_key_span(text, span, &name);
    Node::new(
        span,
        Value::Map(vec![Entry {
            key,
            key_span,
            value: operand,
        }]),
    )
}

/// Where `!Name` is written in `span`: the first `!` in it (an anchor may come
/// first: `&a !Ref x`). Empty at the start of `span` when the text there does not
/// hold `!` and the name's length on character boundaries (found by fuzzing: an
/// anchor of multi-byte characters before the tag put the key span mid-character).
fn tag_key_span(text: &str, span: Span, name: &str) -> Span {
    let bang = text
        .get(span.start..span.end)
        .and_then(|s| s.find('!'))
        .map(|i| span.start + i);
    match bang {
        Some(s) if s + 1 + name.len() <= span.end && text.get(s..s + 1 + name.len()).is_some() => {
            Span::new(s, s + 1 + name.len())
        }
        _ => Span::new(span.start, span.start),
    }
}

/// YAML merge keys (`<<: *base`): the referenced mapping's entries are added unless
/// the mapping sets them itself.
fn merge_keys(entries: Vec<Entry>) -> Vec<Entry> {
    if !entries.iter().any(|e| e.key == "<<") {
        return entries;
    }
    let mut out: Vec<Entry> = Vec::with_capacity(entries.len());
    let mut merged: Vec<Entry> = Vec::new();
    for e in entries {
        if e.key == "<<" {
            let sources: Vec<Node> = match e.value.value {
                Value::Map(_) => vec![e.value],
                Value::Seq(items) => items,
                _ => vec![],
            };
            for src in sources {
                if let Value::Map(items) = src.value {
                    merged.extend(items);
                }
            }
        } else {
            out.push(e);
        }
    }
    for m in merged {
        if !out.iter().any(|e| e.key == m.key) {
            out.push(m);
        }
    }
    out
}

fn count_nodes(node: &Node) -> usize {
    let mut n = 0;
    let mut todo = vec![node];
    while let Some(x) = todo.pop() {
        n += 1;
        match &x.value {
            Value::Seq(items) => todo.extend(items.iter()),
            Value::Map(entries) => todo.extend(entries.iter().map(|e| &e.value)),
            _ => {}
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(s: &str) -> Node {
        parse(s).unwrap().unwrap()
    }

    #[test]
    fn short_forms_become_long_forms() {
        let n = parse_ok(
            "A: !Ref X\nB: !GetAtt Fn.Arn\nC: !Sub '${X}-y'\nD: !If [C, 1, 2]\nE: !Condition IsProd\nF: !GetAtt [Fn, Arn]\n",
        );
        assert_eq!(
            n.get("A").unwrap().to_json(),
            serde_json::json!({"Ref": "X"})
        );
        assert_eq!(
            n.get("B").unwrap().to_json(),
            serde_json::json!({"Fn::GetAtt": ["Fn", "Arn"]})
        );
        assert_eq!(
            n.get("C").unwrap().to_json(),
            serde_json::json!({"Fn::Sub": "${X}-y"})
        );
        assert_eq!(
            n.get("D").unwrap().to_json(),
            serde_json::json!({"Fn::If": ["C", 1, 2]})
        );
        assert_eq!(
            n.get("E").unwrap().to_json(),
            serde_json::json!({"Condition": "IsProd"})
        );
        assert_eq!(
            n.get("F").unwrap().to_json(),
            serde_json::json!({"Fn::GetAtt": ["Fn", "Arn"]})
        );
    }

    #[test]
    fn every_cloudformation_short_form_is_read_as_its_long_form() {
        let forms = [
            ("!Base64 abc", "Fn::Base64"),
            ("!Cidr [a, 6, 5]", "Fn::Cidr"),
            ("!FindInMap [M, a, b]", "Fn::FindInMap"),
            ("!GetAZs ''", "Fn::GetAZs"),
            ("!ImportValue X", "Fn::ImportValue"),
            ("!Join ['', [a, b]]", "Fn::Join"),
            ("!Select [0, [a]]", "Fn::Select"),
            ("!Split [',', 'a,b']", "Fn::Split"),
            ("!Sub ['${A}', {A: x}]", "Fn::Sub"),
            ("!Transform {Name: M}", "Fn::Transform"),
            ("!Equals [a, b]", "Fn::Equals"),
            ("!And [!Condition A, !Condition B]", "Fn::And"),
            ("!Or [!Condition A, !Condition B]", "Fn::Or"),
            ("!Not [!Condition A]", "Fn::Not"),
            ("!If [C, a, b]", "Fn::If"),
            ("!Ref X", "Ref"),
            ("!Condition C", "Condition"),
            ("!GetAtt A.B.C", "Fn::GetAtt"),
        ];
        for (form, key) in forms {
            let n = parse_ok(&format!("v: {form}\n"));
            let v = n.get("v").unwrap();
            assert_eq!(v.single_key().map(|e| e.key.as_str()), Some(key), "{form}");
            assert_eq!(v.span.start, 3, "{form} starts at its tag");
        }
        let n = parse_ok("v: !GetAtt A.B.C\n");
        assert_eq!(
            n.get("v").unwrap().to_json(),
            serde_json::json!({"Fn::GetAtt": ["A", "B.C"]})
        );
        let n = parse_ok("v: !And\n  - !Condition A\n  - !Not [!Condition B]\n");
        assert_eq!(
            n.get("v").unwrap().to_json(),
            serde_json::json!({"Fn::And": [{"Condition": "A"}, {"Fn::Not": [{"Condition": "B"}]}]})
        );
    }

    #[test]
    fn spans_are_bytes_even_after_multibyte_text() {
        let text = "Desc: \"héllo\"\nKey: value\n";
        let n = parse_ok(text);
        let e = n.entry("Key").unwrap();
        assert_eq!(&text[e.key_span.start..e.key_span.end], "Key");
        assert_eq!(&text[e.value.span.start..e.value.span.end], "value");
    }

    #[test]
    fn scalars_follow_the_core_schema() {
        let n = parse_ok("a: true\nb: 'true'\nc: 14\nd: 1.5\ne: ~\nf: yes\ng: 0x1F\n");
        let j = n.to_json();
        assert_eq!(
            j,
            serde_json::json!({"a": true, "b": "true", "c": 14, "d": 1.5, "e": null, "f": "yes", "g": 31})
        );
    }

    #[test]
    fn block_collections_end_at_their_last_value_not_at_trailing_comments() {
        let text = "a:\n  b: !Join\n    - ''\n    - [x, y]\n  # trailing\nc: 1\n";
        let n = parse_ok(text);
        let b = n.get("a").unwrap().get("b").unwrap();
        assert_eq!(
            &text[b.span.start..b.span.end],
            "!Join\n    - ''\n    - [x, y]"
        );
    }

    #[test]
    fn duplicate_keys_name_both_places() {
        let err = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(err.message, "duplicate key `a` in a mapping");
        assert_eq!(err.span, Some(Span::new(10, 11)));
        assert_eq!(err.related[0].0, Span::new(0, 1));
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut s = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let names = ["b", "c", "d", "e", "f", "g", "h", "i"];
        let mut prev = "a";
        for n in names {
            s.push_str(&format!("{n}: &{n} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
            prev = n;
        }
        let err = parse(&s).unwrap_err();
        assert!(err.message.contains("alias"), "{}", err.message);
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let mut s = String::new();
        for i in 0..2000 {
            s.push_str(&" ".repeat(i));
            s.push_str("k:\n");
        }
        let err = parse(&s).unwrap_err();
        assert!(err.message.contains("nesting"), "{}", err.message);
        let flow = "[".repeat(5000);
        assert!(parse(&flow).is_err());
    }

    #[test]
    fn non_specific_tag_is_not_a_function() {
        let n = parse_ok("a: [x, ! \"Ref\": \"AWS::AccountId\"]\n");
        assert_eq!(
            n.get("a").unwrap().to_json(),
            serde_json::json!(["x", {"Ref": "AWS::AccountId"}])
        );
    }

    #[test]
    fn merge_keys_fill_missing_entries() {
        let n = parse_ok("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n");
        assert_eq!(
            n.get("m").unwrap().to_json(),
            serde_json::json!({"y": 3, "x": 1})
        );
    }

    #[test]
    fn flow_content_at_the_key_column_is_accepted_like_libyaml_does() {
        // vendor/saphyr-parser/PATCHES.md
        let n = parse_ok("R:\n  P:\n    S: [{\n      \"a\": 1\n    }]\n    D: !Sub '{\n        \"b\": 2\n    }'\n    E: [x,\n    y]\n");
        assert_eq!(
            n.get("R")
                .unwrap()
                .get("P")
                .unwrap()
                .get("S")
                .unwrap()
                .to_json(),
            serde_json::json!([{"a": 1}])
        );
        assert!(n.get("R").unwrap().get("P").unwrap().get("D").is_some());
        assert_eq!(
            n.get("R")
                .unwrap()
                .get("P")
                .unwrap()
                .get("E")
                .unwrap()
                .to_json(),
            serde_json::json!(["x", "y"])
        );
    }

    #[test]
    fn an_unclosed_flow_collection_is_pointed_at_not_the_end_of_the_file() {
        let text = "a: !Sub &x [1, {b: 2}\n\n# done\n";
        let err = parse(text).unwrap_err();
        assert_eq!(err.span, Some(Span::new(11, 12)), "{}", err.message);
        assert_eq!(
            err.message,
            "invalid YAML: this flow sequence is never closed; expected `,` or `]` before the end of the file"
        );
        let err = parse("a: {b: [1, 2]\nc: 3\n").unwrap_err();
        assert_eq!(
            err.related,
            vec![(
                Span::new(3, 4),
                "in the flow mapping that starts here".to_string()
            )]
        );
        let err = parse("a: 'x\n").unwrap_err();
        assert_eq!(err.span, Some(Span::new(3, 4)));
    }

    #[test]
    fn syntax_errors_are_located() {
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.span.is_some());
        assert!(err.message.starts_with("invalid YAML"));
    }
}
