//! docs/rules.md and src/evaluate/builtin_metadata.json are generated from the
//! policies' metadata; these fail when they are stale. Regenerate with `OPSGATE_BLESS=1 cargo test --test docs`
//! (or `opsgate rules --format markdown > docs/rules.md`).
//!
//! docs/policy-authoring.md is written by hand; these keep it honest: every `lib`
//! helper documented with a passing example, every required fixture name listed, the
//! worked example quoting examples/custom-policies as it is.

use opsgate::evaluate::{PolicyOptions, PolicySet};

#[test]
fn rule_reference_is_current() {
    let set = PolicySet::load(&PolicyOptions {
        builtins: true,
        ..Default::default()
    });
    let generated = opsgate::report::rules::markdown(&set.rules);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
    if std::env::var_os("OPSGATE_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == generated,
        "docs/rules.md is stale: run `OPSGATE_BLESS=1 cargo test --test docs` and commit it"
    );
    for r in &set.rules {
        assert!(current.contains(&format!("## {}", r.meta.id)));
    }
}

/// The built-in rules' metadata table (src/evaluate/builtin_metadata.json), which
/// spares each run evaluating every rule's `metadata`, matches the policies.
#[test]
fn builtin_metadata_table_is_current() {
    let generated = opsgate::evaluate::builtin_metadata_table();
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/evaluate/builtin_metadata.json");
    if std::env::var_os("OPSGATE_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == generated,
        "src/evaluate/builtin_metadata.json is stale: run `OPSGATE_BLESS=1 cargo test --test docs` and commit it"
    );
    let set = PolicySet::load(&PolicyOptions {
        builtins: true,
        ..Default::default()
    });
    let table: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&current).unwrap();
    assert_eq!(
        table.len(),
        set.rules.iter().filter(|r| r.engine.is_some()).count()
    );
}

/// docs/policy-authoring.md, the policy authors' guide.
fn authoring_guide() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/policy-authoring.md");
    std::fs::read_to_string(path).unwrap()
}

/// The text of a section: from its `## ` heading to the next one.
fn section<'a>(doc: &'a str, heading: &str) -> &'a str {
    let start = doc
        .find(&format!("\n## {heading}\n"))
        .unwrap_or_else(|| panic!("no section `## {heading}`"));
    let rest = &doc[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    &rest[..end]
}

/// The contents of the fenced code blocks of `lang` in `text`, in order.
fn code_blocks(text: &str, lang: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match &mut current {
            None if line == format!("```{lang}") => current = Some(String::new()),
            Some(_) if line == "```" => blocks.push(current.take().unwrap()),
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
}

/// The rules and functions `policies/lib/lib.rego` defines (top-level names).
fn lib_helpers() -> std::collections::BTreeSet<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/lib/lib.rego");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_lowercase()))
        .filter(|l| !l.starts_with("package ") && !l.starts_with("import "))
        .map(|l| {
            l.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .next()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// Every helper of `data.opsgate.lib` has its own heading in the guide and is used in
/// the examples of the helpers' section.
#[test]
fn every_lib_helper_is_documented() {
    let doc = authoring_guide();
    let helpers = lib_helpers();
    for known in [
        "resources",
        "get",
        "is_unknown",
        "finding",
        "param",
        "is_plan",
    ] {
        assert!(
            helpers.contains(known),
            "lib.rego parsed wrongly: {helpers:?}"
        );
    }
    let lib = section(&doc, "The `lib` helpers");
    let examples = code_blocks(lib, "rego").concat();
    for name in &helpers {
        let heading = lib.lines().any(|l| {
            l.starts_with("#### ")
                && (l.contains(&format!("`lib.{name}(")) || l.contains(&format!("`lib.{name}`")))
        });
        assert!(
            heading,
            "docs/policy-authoring.md has no heading for lib.{name}"
        );
        assert!(
            examples.contains(&format!("lib.{name}("))
                || examples.contains(&format!("lib.{name} ")),
            "docs/policy-authoring.md has no example that uses lib.{name}"
        );
    }
}

/// The helpers' examples, together one Rego test file as the guide says, pass.
#[test]
fn lib_examples_pass() {
    let doc = authoring_guide();
    let source = code_blocks(section(&doc, "The `lib` helpers"), "rego").join("\n");
    let dir = tempfile::tempdir().unwrap();
    let policies = dir.path().join("policies");
    std::fs::create_dir(&policies).unwrap();
    std::fs::write(policies.join("lib_examples_test.rego"), &source).unwrap();
    let set = PolicySet::load(&PolicyOptions {
        policy_dirs: vec![policies],
        today: "2026-11-25".into(),
        builtins: true,
        include_tests: true,
        ..Default::default()
    });
    assert!(set.errors.is_empty(), "{:?}", set.errors);
    let declared = source.lines().filter(|l| l.starts_with("test_")).count();
    assert_eq!(set.tests.len(), declared);
    assert!(declared >= lib_helpers().len() - 5, "{declared} examples");
    for t in &set.tests {
        assert_eq!(set.run_test(t), Ok(()), "{}", t.name);
    }
}

/// Every fixture name `opsgate test` requires is in the guide's table, with its format.
#[test]
fn required_fixture_names_are_documented() {
    let doc = authoring_guide();
    let table = section(&doc, "Fixtures and `opsgate test`");
    let mut names = 0;
    for format in ["cloudformation", "terraform", "terraform-plan"] {
        for name in opsgate::fixtures::required_files(format) {
            names += 1;
            assert!(
                table.contains(&format!("\n| `{format}` | `{name}` | ")),
                "docs/policy-authoring.md does not list the {format} fixture {name}"
            );
        }
    }
    assert_eq!(names, 10);
}

/// The worked example quotes examples/custom-policies verbatim: each block labelled
/// with a file (a line "`examples/…`:") is that file, and the one labelled with an
/// `opsgate` command is its output.
#[test]
fn worked_example_matches_examples_custom_policies() {
    let doc = authoring_guide();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let lines: Vec<&str> = doc.lines().collect();
    let mut files = Vec::new();
    let mut commands = 0;
    for (i, line) in lines.iter().enumerate() {
        let Some(label) = line.strip_prefix('`').and_then(|l| l.strip_suffix("`:")) else {
            continue;
        };
        let open = i + 2;
        assert!(
            lines[i + 1].is_empty() && lines[open].starts_with("```"),
            "{label}"
        );
        let close = open + lines[open..].iter().position(|l| *l == "```").unwrap();
        let block = lines[open + 1..close].join("\n") + "\n";
        if let Some(args) = label.strip_prefix("$ opsgate ") {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_opsgate"))
                .args(args.split_whitespace())
                .current_dir(root)
                .env("OPSGATE_TODAY", "2026-11-25")
                .output()
                .unwrap();
            assert_eq!(String::from_utf8(out.stdout).unwrap(), block, "{label}");
            commands += 1;
        } else {
            let file = std::fs::read_to_string(root.join(label)).unwrap();
            assert_eq!(
                file, block,
                "docs/policy-authoring.md quotes {label} out of date"
            );
            files.push(label.to_string());
        }
    }
    assert_eq!(commands, 1);
    for policy in [
        "examples/custom-policies/policies/lambda_timeout.rego",
        "examples/custom-policies/policies/lambda_timeout_test.rego",
        "examples/custom-policies/fixtures/policies/ACME-001/expected.json",
    ] {
        assert!(files.iter().any(|f| f == policy), "{policy} is not quoted");
    }
}
