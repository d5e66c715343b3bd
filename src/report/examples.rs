//! Examples for `opsgate explain` and the rule reference, quoted from the rule's own
//! fixtures: the first resource that `expected.json` says fails, and the first
//! resource of the same type in the passing fixture. Quoting tested fixtures keeps
//! the examples true: they cannot drift from what the rule does.

use std::collections::BTreeMap;
use std::path::Path;

use hcl_edit::structure::Structure;
use hcl_edit::Span as _;

use crate::evaluate::Rule;
use crate::load::Node;

/// One format's example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// `cloudformation` or `terraform`.
    pub format: &'static str,
    /// The fixture the failing resource is quoted from, relative to the rule's
    /// fixture directory.
    pub fails_file: String,
    pub fails: String,
    pub passes: Option<String>,
}

/// The examples of `rule`: built-in rules from the fixtures embedded at build time,
/// a team's own rules from `fixtures/policies/<ID>/` beside their policy folder.
pub fn for_rule(rule: &Rule) -> Vec<Example> {
    let files = if rule.builtin {
        crate::evaluate::embedded_examples(&rule.meta.id)
    } else {
        fixtures_on_disk(rule)
    };
    from_files(&files)
}

/// Fixture files (path relative to the rule's fixture directory → text) of a rule
/// from a --policy-dir: the nearest ancestor of the policy file that has
/// `fixtures/policies/<ID>/`.
fn fixtures_on_disk(rule: &Rule) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(dir) = Path::new(&rule.file)
        .ancestors()
        .skip(1)
        .map(|a| a.join("fixtures").join("policies").join(&rule.meta.id))
        .find(|d| d.is_dir())
    else {
        return out;
    };
    let mut read = |rel: String| {
        if let Ok(text) = std::fs::read_to_string(dir.join(&rel)) {
            out.insert(rel, text);
        }
    };
    for name in ["expected.json", "fail.yaml", "pass.yaml"] {
        read(name.to_string());
    }
    for case in ["fail", "pass"] {
        let Ok(entries) = std::fs::read_dir(dir.join("terraform").join(case)) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.ends_with(".tf"))
            .collect();
        names.sort();
        for n in names {
            read(format!("terraform/{case}/{n}"));
        }
    }
    out
}

/// The examples found in one rule's fixture files.
pub fn from_files(files: &BTreeMap<String, String>) -> Vec<Example> {
    let Some(expected) = files
        .get("expected.json")
        .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
    else {
        return Vec::new();
    };
    let first_failing = |key: &str| -> Option<(String, Option<String>)> {
        let entries = expected.get(key)?.as_array()?;
        // Root-module resources quote best; a module instance's address does not
        // name its block in the file.
        entries.iter().find_map(|e| {
            let resource = e.get("resource")?.as_str()?;
            (!resource.starts_with("module.")).then(|| {
                let file = e.get("file").and_then(|f| f.as_str()).map(str::to_string);
                (resource.to_string(), file)
            })
        })
    };
    let mut out = Vec::new();
    if let (Some((name, _)), Some(text)) = (first_failing("fail.yaml"), files.get("fail.yaml")) {
        if let Some((fails, rtype)) = yaml_resource(text, |n, _| n == name) {
            let passes = files
                .get("pass.yaml")
                .and_then(|p| yaml_resource(p, |_, t| t == rtype))
                .map(|(block, _)| block);
            out.push(Example {
                format: "cloudformation",
                fails_file: "fail.yaml".into(),
                fails,
                passes,
            });
        }
    }
    if let Some((address, file)) = first_failing("terraform/fail") {
        let mut parts = address.rsplitn(2, '.');
        let (name, rtype) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let name = name.split('[').next().unwrap_or(name);
        let fail_files = files
            .iter()
            .filter(|(k, _)| k.starts_with("terraform/fail/"))
            .filter(|(k, _)| file.as_ref().is_none_or(|f| k.ends_with(&format!("/{f}"))));
        let found = fail_files
            .filter_map(|(k, text)| Some((k.clone(), hcl_resource(text, rtype, Some(name))?)))
            .next();
        if let Some((fails_file, fails)) = found {
            let passes = files
                .iter()
                .filter(|(k, _)| k.starts_with("terraform/pass/"))
                .find_map(|(_, text)| hcl_resource(text, rtype, None));
            out.push(Example {
                format: "terraform",
                fails_file,
                fails,
                passes,
            });
        }
    }
    out
}

/// A CloudFormation YAML resource (with the comment lines right above it) whose
/// logical id and type satisfy `pick`, and its type; read with opsgate's own YAML
/// loader, so any layout the scanner reads quotes right.
fn yaml_resource(text: &str, pick: impl Fn(&str, &str) -> bool) -> Option<(String, String)> {
    let root = crate::load::parse(text, crate::load::Syntax::Yaml).ok()??;
    root.get("Resources")?.entries().iter().find_map(|e| {
        let rtype = e.value.get("Type").and_then(Node::as_str).unwrap_or("");
        pick(&e.key, rtype).then(|| {
            (
                quote(text, e.key_span.start, e.value.span.end),
                rtype.to_string(),
            )
        })
    })
}

/// A Terraform `resource "<type>" "<name>"` block (any name when `name` is None),
/// with the comment lines right above it, found with opsgate's HCL loader.
fn hcl_resource(text: &str, rtype: &str, name: Option<&str>) -> Option<String> {
    let body = crate::load::hcl::parse(text).ok()?;
    let found = body.iter().find_map(|s| {
        let Structure::Block(b) = s else { return None };
        let label = |i: usize| b.labels.get(i).map(|l| l.as_str());
        let wanted = b.ident.as_str() == "resource"
            && label(0) == Some(rtype)
            && name.is_none_or(|n| label(1) == Some(n));
        let span = b.span()?;
        wanted.then(|| quote(text, span.start, span.end))
    });
    found
}

/// The lines of `text` from the one holding byte `start` to the one holding byte
/// `end - 1`, with the comment lines right above, dedented by the first line's indent.
fn quote(text: &str, start: usize, end: usize) -> String {
    let line_start = |at: usize| text[..at].rfind('\n').map_or(0, |i| i + 1);
    let mut first = line_start(start);
    let indent = start - first;
    while first > 0 {
        let above = line_start(first - 1);
        let line = text[above..first].trim();
        if !(line.starts_with('#') || line.starts_with("//")) {
            break;
        }
        first = above;
    }
    let last = text[end.max(1) - 1..]
        .find('\n')
        .map_or(text.len(), |i| end.max(1) - 1 + i);
    let mut lines: Vec<&str> = text[first..last]
        .lines()
        .map(|l| {
            let cut = l.len() - l.trim_start().len();
            &l[cut.min(indent)..]
        })
        .collect();
    // A block scalar's span runs on to the next entry: comments there belong to it.
    while lines
        .last()
        .is_some_and(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        lines.pop();
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(entries: &[(&str, &str)]) -> BTreeMap<String, String> {
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn quotes_the_failing_resource_and_a_passing_one_of_its_type() {
        let fail = "Resources:\n  # helper\n  Topic:\n    Type: AWS::SNS::Topic\n  # no tracing\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.13\n\n  Other:\n    Type: AWS::SNS::Topic\nOutputs:\n  X: 1\n";
        let pass = "Resources:\n  Traced:\n    Type: AWS::Lambda::Function\n    Properties:\n      TracingConfig: {Mode: Active}\n";
        let tf_fail = "# helper\nresource \"aws_sns_topic\" \"t\" {\n}\n\n# no tracing\nresource \"aws_lambda_function\" \"fn\" {\n  runtime = \"python3.13\"\n}\n";
        let tf_pass = "resource \"aws_lambda_function\" \"ok\" {\n  tracing_config {\n    mode = \"Active\"\n  }\n}\n";
        let expected = r#"{"fail.yaml": [{"resource": "Fn", "line": 9}],
            "terraform/fail": [{"resource": "module.x.aws_lambda_function.this", "line": 1},
                               {"resource": "aws_lambda_function.fn", "line": 7, "file": "main.tf"}]}"#;
        let ex = from_files(&files(&[
            ("expected.json", expected),
            ("fail.yaml", fail),
            ("pass.yaml", pass),
            ("terraform/fail/main.tf", tf_fail),
            ("terraform/pass/main.tf", tf_pass),
        ]));
        assert_eq!(ex.len(), 2);
        assert_eq!(
            ex[0].fails,
            "# no tracing\nFn:\n  Type: AWS::Lambda::Function\n  Properties:\n    Runtime: python3.13"
        );
        assert_eq!(
            ex[0].passes.as_deref(),
            Some("Traced:\n  Type: AWS::Lambda::Function\n  Properties:\n    TracingConfig: {Mode: Active}")
        );
        assert_eq!(
            ex[1].fails,
            "# no tracing\nresource \"aws_lambda_function\" \"fn\" {\n  runtime = \"python3.13\"\n}"
        );
        assert_eq!(ex[1].fails_file, "terraform/fail/main.tf");
        assert!(ex[1]
            .passes
            .as_deref()
            .unwrap()
            .contains("mode = \"Active\""));
    }

    #[test]
    fn no_expected_findings_no_examples() {
        assert!(from_files(&files(&[("fail.yaml", "Resources: {}\n")])).is_empty());
    }
}
