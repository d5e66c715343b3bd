//! HCL (Terraform) with hcl-edit: the maintained HCL parser that keeps byte spans on
//! blocks, attributes and expressions, and comments in their decor (for inline
//! ignores). hcl-rs's own evaluator needs every function and reference declared;
//! opsgate evaluates expressions itself (normalise::terraform::eval) so that what is
//! not known stays unknown instead of failing.

use hcl_edit::structure::Body;

use super::{Limits, LoadError, Node};
use crate::source::Span;

/// Parses a `.tf` or `.tfvars` file with the default limits.
pub fn parse(text: &str) -> Result<Body, LoadError> {
    parse_with(text, &Limits::default())
}

/// Parses a `.tf` or `.tfvars` file. hcl-edit's parser recurses on nesting, so the
/// nesting is measured first, on the tokens, and refused past `limits.max_depth`.
pub fn parse_with(text: &str, limits: &Limits) -> Result<Body, LoadError> {
    if let Some(at) = too_deep(text, limits.max_depth) {
        return Err(limits.depth_error(at));
    }
    hcl_edit::parser::parse_body(text).map_err(|e| {
        let offset = e.location().offset().min(text.len());
        if let Some(unclosed) = unclosed(text, offset) {
            return unclosed;
        }
        let message = if e.message().contains("nesting depth") {
            "nesting deeper than 64 levels, the HCL parser's fixed limit \
             (max_depth cannot raise it)"
                .to_string()
        } else {
            format!("invalid HCL: {}", e.message())
        };
        LoadError::at(Span::new(offset, offset), message)
    })
}

/// Where HCL text nests deeper than `max` (brackets, parentheses, template
/// interpolations and chains of unary operators), if it does.
fn too_deep(text: &str, max: usize) -> Option<usize> {
    scan(text, max, false).err()
}

/// What is still open where a lexical scan of HCL text ends.
#[derive(Debug, PartialEq)]
enum Ctx {
    /// `{`, `[`, `(`: code until its closer.
    Code(u8),
    /// `${` / `%{` inside a template: code until its `}`.
    Interpolation,
    /// A quoted template string.
    Str,
    /// A heredoc, until a line that is its marker.
    Heredoc(String),
}

/// A lexical scan of HCL text: strings, heredocs and comments are skipped, so text
/// inside them does not count. Returns what is open at the end (each with the
/// offset where it opens), or `Err(offset)` where the nesting passes `max`. With
/// `strict`, a closer that does not match the innermost bracket is ignored (so the
/// bracket it leaves open is the one reported); without, it closes it anyway.
fn scan(text: &str, max: usize, strict: bool) -> Result<Vec<(Ctx, usize)>, usize> {
    let b = text.as_bytes();
    let mut stack: Vec<(Ctx, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut unary_run = 0usize;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match stack.last() {
            Some((Ctx::Str, _)) => {
                match c {
                    b'\\' => i += 1,
                    b'"' => {
                        stack.pop();
                    }
                    b'$' | b'%' if b.get(i + 1) == Some(&b'{') => {
                        if b.get(i.wrapping_sub(1)) != Some(&c) {
                            depth += 1;
                            if depth > max {
                                return Err(i);
                            }
                            stack.push((Ctx::Interpolation, i));
                        }
                        i += 1;
                    }
                    b'\n' => {
                        // An unterminated string: the parser will say so.
                        stack.pop();
                    }
                    _ => {}
                }
                i += 1;
                continue;
            }
            Some((Ctx::Heredoc(marker), _)) => {
                if c == b'\n' {
                    let line_end = text[i + 1..].find('\n').map_or(b.len(), |n| i + 1 + n);
                    if text[i + 1..line_end].trim() == marker {
                        stack.pop();
                        i = line_end;
                        continue;
                    }
                } else if (c == b'$' || c == b'%') && b.get(i + 1) == Some(&b'{') {
                    if b.get(i.wrapping_sub(1)) != Some(&c) {
                        depth += 1;
                        if depth > max {
                            return Err(i);
                        }
                        stack.push((Ctx::Interpolation, i));
                    }
                    i += 1;
                }
                i += 1;
                continue;
            }
            _ => {}
        }
        // Code.
        match c {
            b'#' => {
                i = text[i..].find('\n').map_or(b.len(), |n| i + n);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map_or(b.len(), |n| i + n);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(b.len(), |n| i + 2 + n + 2);
                continue;
            }
            b'"' => stack.push((Ctx::Str, i)),
            b'<' if b.get(i + 1) == Some(&b'<') => {
                let mut j = i + 2;
                if b.get(j) == Some(&b'-') {
                    j += 1;
                }
                let start = j;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                if j > start {
                    stack.push((Ctx::Heredoc(text[start..j].to_string()), i));
                    // The body starts on the next line.
                    i = text[j..].find('\n').map_or(b.len(), |n| j + n);
                    continue;
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > max {
                    return Err(i);
                }
                stack.push((
                    Ctx::Code(match c {
                        b'{' => b'}',
                        b'[' => b']',
                        _ => b')',
                    }),
                    i,
                ));
            }
            b'}' | b']' | b')' => {
                let closes = match stack.last() {
                    Some((Ctx::Code(closer), _)) => !strict || *closer == c,
                    Some((Ctx::Interpolation, _)) => !strict || c == b'}',
                    _ => false,
                };
                if closes {
                    stack.pop();
                    depth = depth.saturating_sub(1);
                }
            }
            _ => {}
        }
        // `!!!!x`, `- - -x`: each operator is a level of the parser's recursion.
        if c == b'!' || c == b'-' {
            unary_run += 1;
            if depth + unary_run > max {
                return Err(i);
            }
        } else if !c.is_ascii_whitespace() {
            unary_run = 0;
        }
        i += 1;
    }
    Ok(stack)
}

/// The error for a parse error at `offset` when something left open is its cause:
/// the parser reports the closer that does not fit (a `}` where a `)` is missing),
/// where the text ran out (past the last line) or the construct it could not
/// finish, while the cause is the block, bracket, string or heredoc left open, so
/// that is what the error points at. A heredoc without its end line swallows the
/// rest of the file, wherever the parser stops.
fn unclosed(text: &str, offset: usize) -> Option<LoadError> {
    if let Some(found @ (b'}' | b']' | b')')) = text.as_bytes().get(offset).copied() {
        let before = scan(text.get(..offset)?, usize::MAX, true).ok()?;
        let expected = match before.last() {
            Some((Ctx::Code(c), _)) => Some(*c),
            Some((Ctx::Interpolation, _)) => Some(b'}'),
            _ => None,
        };
        if let Some((ctx, at)) = before
            .last()
            .filter(|_| expected.is_some_and(|e| e != found))
        {
            return Some(left_open(text, ctx, *at, Some(offset)));
        }
    }
    let open = scan(text, usize::MAX, true).ok()?;
    let (Some((_, outermost)), Some((ctx, at))) = (open.first(), open.last()) else {
        return None;
    };
    // The parser may stop anywhere inside what is left open (it backtracks to the
    // attribute or block it could not finish); an error before it is another one.
    let region = text[..*outermost].rfind('\n').map_or(0, |i| i + 1);
    (offset >= region || matches!(ctx, Ctx::Heredoc(_))).then(|| left_open(text, ctx, *at, None))
}

/// "this … is never closed", on what `ctx` opens at `at`; `found` is where a
/// closer that does not fit it was found instead (None: the end of the file).
fn left_open(text: &str, ctx: &Ctx, at: usize, found: Option<usize>) -> LoadError {
    let (until, state) = match found {
        Some(f) => (
            format!(
                "before the `{}` on line {}",
                &text[f..f + 1],
                text[..f].matches('\n').count() + 1
            ),
            "not closed",
        ),
        None => ("before the end of the file".to_string(), "never closed"),
    };
    let (span, what, closer) = match ctx {
        Ctx::Code(b'}') => {
            let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            let line = &text[line_start..at];
            let header = line.trim();
            let is_block = header
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && !header.ends_with(['=', '(', '[', ',', ':', '?', '>', '{']);
            if is_block {
                // The block's header: from its keyword to its `{`.
                let start = line_start + (line.len() - line.trim_start().len());
                (Span::new(start, at + 1), "block", "`}`".to_string())
            } else {
                (Span::new(at, at + 1), "object `{`", "`}`".to_string())
            }
        }
        Ctx::Code(b']') => (Span::new(at, at + 1), "list `[`", "`]`".to_string()),
        Ctx::Code(_) => (Span::new(at, at + 1), "`(`", "`)`".to_string()),
        Ctx::Interpolation => (
            Span::new(at, at + 2),
            "template interpolation",
            "`}`".to_string(),
        ),
        Ctx::Str => (Span::new(at, at + 1), "string", "`\"`".to_string()),
        Ctx::Heredoc(marker) => {
            let end = text[at..].find(['\n', '\r']).map_or(text.len(), |n| at + n);
            (Span::new(at, end), "heredoc", format!("a line `{marker}`"))
        }
    };
    let mut error = LoadError::at(
        span,
        format!("invalid HCL: this {what} is {state}; expected {closer} {until}"),
    );
    if let Some(f) = found {
        error.related.push((
            Span::new(f, f + 1),
            format!("`{}` found here", &text[f..f + 1]),
        ));
    }
    error
}

/// Problems with the spans of a parsed body over its `text` (empty: none): every
/// structure's and expression's span must lie inside the text, on character
/// boundaries, and inside the span of the attribute, block or expression holding it.
/// (For tests and fuzzing.)
pub fn span_problems(body: &Body, text: &str) -> Vec<String> {
    use hcl_edit::visit::{self, Visit};
    use hcl_edit::Span as _;
    struct Checker<'t> {
        text: &'t str,
        parents: Vec<std::ops::Range<usize>>,
        problems: Vec<String>,
    }
    impl Checker<'_> {
        /// Checks `span`; returns whether it was pushed as the new parent.
        fn enter(&mut self, what: &str, span: Option<std::ops::Range<usize>>) -> bool {
            let Some(r) = span else { return false };
            let t = self.text;
            if r.start > r.end
                || r.end > t.len()
                || !t.is_char_boundary(r.start)
                || !t.is_char_boundary(r.end)
            {
                self.problems.push(format!(
                    "{what} span {r:?} is outside the text ({} bytes) or not on a char boundary",
                    t.len()
                ));
                return false;
            }
            if let Some(p) = self.parents.last() {
                if r.start < p.start || r.end > p.end {
                    self.problems.push(format!(
                        "{what} span {r:?} ({:?}) is not inside its parent's {p:?} ({:?})",
                        &t[r.clone()],
                        &t[p.clone()]
                    ));
                }
            }
            self.parents.push(r);
            true
        }
    }
    impl Visit for Checker<'_> {
        fn visit_attr(&mut self, node: &hcl_edit::structure::Attribute) {
            let pushed = self.enter("attribute", node.span());
            visit::visit_attr(self, node);
            if pushed {
                self.parents.pop();
            }
        }
        fn visit_block(&mut self, node: &hcl_edit::structure::Block) {
            let pushed = self.enter("block", node.span());
            visit::visit_block(self, node);
            if pushed {
                self.parents.pop();
            }
        }
        fn visit_expr(&mut self, node: &hcl_edit::expr::Expression) {
            let pushed = self.enter("expression", node.span());
            visit::visit_expr(self, node);
            if pushed {
                self.parents.pop();
            }
        }
    }
    let mut checker = Checker {
        text,
        parents: Vec::new(),
        problems: Vec::new(),
    };
    checker.visit_body(body);
    checker.problems
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
    fn what_is_left_open_is_pointed_at() {
        let at = |text: &str| {
            let e = parse(text).unwrap_err();
            let span = e.span.unwrap();
            (text[span.start..span.end].to_string(), e.message)
        };
        assert_eq!(
            at("variable \"a\" {\n  default = 1\n"),
            (
                "variable \"a\" {".to_string(),
                "invalid HCL: this block is never closed; expected `}` before the end of the file"
                    .to_string()
            )
        );
        assert_eq!(
            at("locals {\n  x = {\n    a = 1\n").0,
            "{",
            "an object's brace"
        );
        assert_eq!(at("x = \"${var.a").0, "${");
        assert_eq!(at("x = <<EOT\nabc\n").0, "<<EOT");
        // `[` closed by a `}`: the list is what is left open.
        let e = parse("locals {\n  x = [1, 2\n}\n").unwrap_err();
        assert_eq!(e.span, Some(Span::new(15, 16)), "{}", e.message);
        assert_eq!(
            e.message,
            "invalid HCL: this list `[` is not closed; expected `]` before the `}` on line 3"
        );
        assert_eq!(
            e.related,
            vec![(Span::new(21, 22), "`}` found here".to_string())]
        );
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
