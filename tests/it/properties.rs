//! Property tests: (a) for generated YAML, JSON and HCL documents — nested maps and
//! lists, strings with multi-byte characters, random whitespace and comments —
//! every span lies inside the file, on character boundaries, inside its parent's
//! span, and the tree holds the generated values; (b) a scan's JSON report is the
//! same byte for byte with 1 and with 4 threads.

use std::collections::BTreeMap;
use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value as J};

#[derive(Debug, Clone)]
enum Val {
    Str(String),
    Int(i64),
    Bool(bool),
    List(Vec<Val>),
    Map(BTreeMap<String, Val>),
}

impl Val {
    fn to_json(&self) -> J {
        match self {
            Val::Str(s) => json!(s),
            Val::Int(i) => json!(i),
            Val::Bool(b) => json!(b),
            Val::List(items) => J::Array(items.iter().map(Val::to_json).collect()),
            Val::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }
}

/// Strings with ASCII, Latin, CJK, emoji, combining marks and quotes/backslashes.
fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            4 => proptest::char::range('a', 'z'),
            1 => Just(' '),
            1 => prop::sample::select(vec!['é', 'ü', 'ß', '✓', '中', '文', '😀', '\u{301}', 'Ω', '"', '\\', '-', ':', '#', '$', '{', '}']),
        ],
        0..12,
    )
    .prop_map(|c| c.into_iter().collect())
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z][a-z0-9_]{0,6}",
        1 => text().prop_filter("non-empty", |s| !s.is_empty()),
    ]
}

fn value() -> impl Strategy<Value = Val> {
    let leaf = prop_oneof![
        3 => text().prop_map(Val::Str),
        1 => any::<i32>().prop_map(|i| Val::Int(i as i64)),
        1 => any::<bool>().prop_map(Val::Bool),
    ];
    leaf.prop_recursive(4, 48, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Val::List),
            proptest::collection::btree_map(key(), inner, 0..5).prop_map(Val::Map),
        ]
    })
}

fn document() -> impl Strategy<Value = BTreeMap<String, Val>> {
    proptest::collection::btree_map(key(), value(), 1..6)
}

/// Layout choices drawn with the document: whitespace, comments, flow or block.
#[derive(Debug, Clone)]
struct Style(Vec<u8>);

impl Style {
    fn pick(&mut self, n: u8) -> u8 {
        let b = self.0.pop().unwrap_or(0);
        self.0.insert(0, b.wrapping_mul(31).wrapping_add(7));
        b % n
    }
    fn ws(&mut self) -> &'static str {
        ["", " ", "  ", "\n", " \t", "\n  \n"][self.pick(6) as usize]
    }
    fn comment(&mut self) -> &'static str {
        ["", "", " # ünïcode ✓ comment", " # c: [x]"][self.pick(4) as usize]
    }
}

fn style() -> impl Strategy<Value = Style> {
    proptest::collection::vec(any::<u8>(), 16..64).prop_map(Style)
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

fn render_json(v: &Val, st: &mut Style, out: &mut String) {
    match v {
        Val::Str(s) => out.push_str(&json_string(s)),
        Val::Int(i) => out.push_str(&i.to_string()),
        Val::Bool(b) => out.push_str(&b.to_string()),
        Val::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(st.ws());
                render_json(item, st, out);
                out.push_str(st.ws());
            }
            out.push(']');
        }
        Val::Map(m) => {
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(st.ws());
                out.push_str(&json_string(k));
                out.push_str(st.ws());
                out.push(':');
                out.push_str(st.ws());
                render_json(item, st, out);
            }
            out.push_str(st.ws());
            out.push('}');
        }
    }
}

/// A string as a YAML scalar: plain when that reads back as the same string,
/// otherwise double-quoted (JSON escapes are YAML escapes).
fn yaml_scalar(s: &str) -> String {
    let reserved = [
        "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE",
    ];
    let plain = !s.is_empty()
        && s.chars().next().is_some_and(char::is_alphabetic)
        && s.chars().last().is_some_and(|c| c.is_alphanumeric())
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == ' ' || c == '-' || c == '_')
        && !reserved.contains(&s)
        && !s.contains("  ");
    if plain {
        s.to_string()
    } else {
        json_string(s)
    }
}

fn render_yaml_flow(v: &Val, st: &mut Style, out: &mut String) {
    match v {
        Val::Str(s) => out.push_str(&json_string(s)),
        Val::Int(i) => out.push_str(&i.to_string()),
        Val::Bool(b) => out.push_str(&b.to_string()),
        Val::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str([" ", "  ", ""][st.pick(3) as usize]);
                render_yaml_flow(item, st, out);
            }
            out.push(']');
        }
        Val::Map(m) => {
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str([" ", "  ", ""][st.pick(3) as usize]);
                out.push_str(&json_string(k));
                out.push_str([": ", ":  "][st.pick(2) as usize]);
                render_yaml_flow(item, st, out);
            }
            out.push('}');
        }
    }
}

/// A value after `key:` or `- ` at `indent`: scalars and flow collections on the
/// same line, block collections on the next lines.
fn render_yaml_value(v: &Val, indent: usize, st: &mut Style, out: &mut String) {
    let block = match v {
        Val::List(items) => !items.is_empty() && st.pick(3) > 0,
        Val::Map(m) => !m.is_empty() && st.pick(3) > 0,
        _ => false,
    };
    if !block {
        out.push(' ');
        match v {
            Val::Str(s) => out.push_str(&yaml_scalar(s)),
            _ => render_yaml_flow(v, st, out),
        }
        out.push_str(st.comment());
        out.push('\n');
        return;
    }
    out.push_str(st.comment());
    out.push('\n');
    render_yaml_block(v, indent, st, out);
}

fn render_yaml_block(v: &Val, indent: usize, st: &mut Style, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Val::List(items) => {
            for item in items {
                if st.pick(5) == 0 {
                    out.push('\n');
                }
                out.push_str(&pad);
                out.push('-');
                render_yaml_value(item, indent + 2, st, out);
            }
        }
        Val::Map(m) => {
            for (k, item) in m {
                if st.pick(5) == 0 {
                    out.push_str(&pad);
                    out.push_str("# a comment line ✓\n");
                }
                out.push_str(&pad);
                out.push_str(&yaml_scalar(k));
                out.push(':');
                render_yaml_value(item, indent + 2, st, out);
            }
        }
        _ => unreachable!("blocks are collections"),
    }
}

/// An HCL template string: quotes, backslashes and `${` / `%{` escaped.
fn hcl_string(s: &str) -> String {
    let mut out = String::from("\"");
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' | '%' if chars.get(i + 1) == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn render_hcl_expr(v: &Val, st: &mut Style, out: &mut String) {
    match v {
        Val::Str(s) => out.push_str(&hcl_string(s)),
        Val::Int(i) => out.push_str(&i.to_string()),
        Val::Bool(b) => out.push_str(&b.to_string()),
        Val::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(st.ws());
                render_hcl_expr(item, st, out);
            }
            out.push(']');
        }
        Val::Map(m) => {
            out.push('{');
            for (k, item) in m {
                out.push('\n');
                out.push_str(&hcl_string(k));
                out.push_str(" = ");
                render_hcl_expr(item, st, out);
            }
            out.push_str("\n}");
        }
    }
}

fn hcl_ident(k: &str) -> Option<&str> {
    let ok = k.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && k.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !["true", "false", "null", "for", "in", "if"].contains(&k);
    ok.then_some(k)
}

/// A body: identifier keys with map values become blocks, others attributes.
fn render_hcl_body(m: &BTreeMap<String, Val>, st: &mut Style, out: &mut String) {
    for (k, v) in m {
        let Some(ident) = hcl_ident(k) else { continue };
        match st.pick(4) {
            0 => out.push_str("# ünï comment\n"),
            1 => out.push_str("/* block ✓\n comment */ "),
            _ => {}
        }
        match v {
            Val::Map(inner) if st.pick(2) == 0 => {
                out.push_str(&format!("{ident} {} {{\n", hcl_string("label ✓")));
                render_hcl_body(inner, st, out);
                out.push_str("}\n");
            }
            _ => {
                out.push_str(ident);
                out.push_str(" = ");
                render_hcl_expr(v, st, out);
                out.push_str(if st.pick(2) == 0 {
                    " // trailing\n"
                } else {
                    "\n"
                });
            }
        }
    }
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

#[test]
fn json_spans_nest_inside_the_file_on_char_boundaries() {
    runner(256)
        .run(&(document(), style()), |(doc, mut st)| {
            let v = Val::Map(doc);
            let mut text = String::new();
            text.push_str(st.ws());
            render_json(&v, &mut st, &mut text);
            text.push_str(st.ws());
            let node = opsgate::load::json::parse(&text)
                .map_err(|e| TestCaseError::fail(format!("{e:?} in {text}")))?
                .expect("a document");
            let problems = node.span_problems(&text, true);
            prop_assert!(problems.is_empty(), "{problems:#?}\n{text}");
            prop_assert_eq!(node.to_json(), v.to_json());
            Ok(())
        })
        .unwrap();
}

#[test]
fn yaml_spans_nest_inside_the_file_on_char_boundaries() {
    runner(256)
        .run(&(document(), style()), |(doc, mut st)| {
            let v = Val::Map(doc);
            let mut text = String::new();
            if st.pick(2) == 0 {
                text.push_str("# leading comment — ✓\n");
            }
            if st.pick(3) == 0 {
                render_yaml_flow(&v, &mut st, &mut text);
                text.push('\n');
            } else {
                render_yaml_block(&v, 0, &mut st, &mut text);
            }
            let node = opsgate::load::yaml::parse(&text)
                .map_err(|e| TestCaseError::fail(format!("{e:?} in\n{text}")))?
                .expect("a document");
            let problems = node.span_problems(&text, true);
            prop_assert!(problems.is_empty(), "{problems:#?}\n{text}");
            prop_assert_eq!(node.to_json(), v.to_json(), "{}", text);
            Ok(())
        })
        .unwrap();
}

#[test]
fn hcl_spans_nest_inside_the_file_on_char_boundaries() {
    runner(256)
        .run(&(document(), style()), |(doc, mut st)| {
            let mut text = String::new();
            render_hcl_body(&doc, &mut st, &mut text);
            let body = opsgate::load::hcl::parse(&text)
                .map_err(|e| TestCaseError::fail(format!("{e:?} in\n{text}")))?;
            let problems = opsgate::load::hcl::span_problems(&body, &text);
            prop_assert!(problems.is_empty(), "{problems:#?}\n{text}");
            let written = doc.keys().filter(|k| hcl_ident(k).is_some()).count();
            prop_assert_eq!(body.iter().count(), written);
            Ok(())
        })
        .unwrap();
}

// ---- (b) 1 thread and 4 threads give the same report ----

#[derive(Debug, Clone)]
struct Resource {
    kind: usize,
    name: String,
    flags: [bool; 4],
    tag: String,
}

const KINDS: [&str; 5] = [
    "AWS::Lambda::Function",
    "AWS::SQS::Queue",
    "AWS::S3::Bucket",
    "AWS::Logs::LogGroup",
    "AWS::DynamoDB::Table",
];

fn resource() -> impl Strategy<Value = Resource> {
    (
        0..KINDS.len(),
        "[A-Z][a-z]{1,6}",
        any::<[bool; 4]>(),
        text(),
    )
        .prop_map(|(kind, name, flags, tag)| Resource {
            kind,
            name,
            flags,
            tag,
        })
}

fn cfn_template(resources: &[Resource]) -> String {
    let mut s = String::from("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n");
    let mut seen = std::collections::BTreeSet::new();
    for r in resources {
        if !seen.insert(&r.name) {
            continue;
        }
        s.push_str(&format!("  {}:\n    Type: {}\n", r.name, KINDS[r.kind]));
        if r.flags[0] {
            s.push_str("    DeletionPolicy: Retain\n");
        }
        s.push_str("    Properties:\n");
        s.push_str(&format!(
            "      Tags:\n        - Key: Owner\n          Value: {}\n",
            json_string(&r.tag)
        ));
        match r.kind {
            0 => {
                s.push_str(if r.flags[1] {
                    "      Runtime: python3.8\n"
                } else {
                    "      Runtime: python3.12\n"
                });
                if r.flags[2] {
                    s.push_str("      TracingConfig:\n        Mode: Active\n");
                }
            }
            2 if r.flags[1] => {
                s.push_str("      VersioningConfiguration:\n        Status: Enabled\n")
            }
            3 if r.flags[2] => s.push_str("      RetentionInDays: 30\n"),
            _ => {}
        }
        if r.flags[3] {
            s.push_str("    Metadata:\n      Note: \"ünïcode ✓\"\n");
        }
    }
    s
}

fn terraform_module(resources: &[Resource]) -> String {
    let mut s = String::new();
    for (i, r) in resources.iter().enumerate() {
        let ty = ["aws_lambda_function", "aws_sqs_queue", "aws_s3_bucket"][r.kind % 3];
        s.push_str(&format!(
            "resource \"{ty}\" \"r{i}\" {{\n  tags = {{ Owner = {} }}\n",
            hcl_string(&r.tag)
        ));
        if r.kind % 3 == 0 {
            s.push_str(if r.flags[1] {
                "  runtime = \"python3.8\"\n"
            } else {
                "  runtime = \"python3.12\"\n"
            });
        }
        s.push_str("}\n");
    }
    s
}

/// The JSON report of `opsgate scan` over `paths` with `threads` workers.
fn report(cwd: &Path, paths: &[&str], threads: usize) -> Vec<u8> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_opsgate"))
        .current_dir(cwd)
        .env("OPSGATE_TODAY", "2026-11-25")
        .args([
            "scan",
            "--format",
            "json",
            "--threads",
            &threads.to_string(),
        ])
        .args(paths)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0..=2)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The report has no timing fields: nothing to leave out before comparing.
    let parsed: J = serde_json::from_slice(&out.stdout).expect("a JSON report");
    assert!(parsed.get("elapsed").is_none() && parsed["summary"].get("elapsed").is_none());
    out.stdout
}

#[test]
fn one_and_four_threads_give_the_same_report_on_generated_inputs() {
    let files = proptest::collection::vec(proptest::collection::vec(resource(), 1..6), 2..8);
    runner(3)
        .run(&files, |files| {
            let dir = tempfile::tempdir().unwrap();
            for (i, resources) in files.iter().enumerate() {
                if i % 3 == 2 {
                    let m = dir.path().join(format!("tf{i}"));
                    std::fs::create_dir(&m).unwrap();
                    std::fs::write(m.join("main.tf"), terraform_module(resources)).unwrap();
                } else {
                    std::fs::write(
                        dir.path().join(format!("t{i}.yaml")),
                        cfn_template(resources),
                    )
                    .unwrap();
                }
            }
            let one = report(dir.path(), &["."], 1);
            let four = report(dir.path(), &["."], 4);
            prop_assert!(
                one == four,
                "reports differ:\n{}\n---\n{}",
                String::from_utf8_lossy(&one),
                String::from_utf8_lossy(&four)
            );
            Ok(())
        })
        .unwrap();
}

/// The same report with one and four threads over the inputs a report has many of.
fn assert_thread_count_does_not_matter(paths: &[&str]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let one = report(root, paths, 1);
    let four = report(root, paths, 4);
    let parsed: J = serde_json::from_slice(&one).unwrap();
    assert!(
        parsed["summary"]["units"].as_u64().unwrap() > 50,
        "{}",
        parsed["summary"]
    );
    assert!(one == four, "reports differ with 1 and 4 threads");
}

#[test]
fn one_and_four_threads_give_the_same_report_on_the_examples_and_fixtures() {
    assert_thread_count_does_not_matter(&["examples", "fixtures/policies", "tests/data"]);
}

/// The corpus is not part of the repository: `scripts/external-tests` runs this, and
/// it fails there when the corpus is missing.
#[test]
#[ignore = "needs the corpus (OPSGATE_CORPUS): scripts/external-tests"]
fn one_and_four_threads_give_the_same_report_on_a_slice_of_the_corpus() {
    let corpus = crate::corpus_smoke::corpus().join("awslabs+aws-cloudformation-templates");
    assert!(corpus.is_dir(), "{} does not exist", corpus.display());
    let corpus = corpus.display().to_string();
    assert_thread_count_does_not_matter(&["examples", "fixtures/policies", "tests/data", &corpus]);
}
