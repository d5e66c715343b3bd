//! The report formats users feed to other tools: SARIF (valid against the 2.1.0
//! schema, as GitHub code scanning reads it), GitHub annotations, JUnit XML and the
//! Markdown readiness summary, each written to its own file by one run, compared
//! with golden snapshots (regenerate with INSTA_UPDATE=always).

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value as J;

const INPUTS: [&str; 3] = [
    "examples/orders-service",
    "tests/data/formats/alarm.yaml",
    "tests/data/formats/broken.json",
];

fn opsgate() -> Command {
    let mut c = Command::cargo_bin("opsgate").unwrap();
    c.env("OPSGATE_TODAY", "2026-11-25");
    for k in [
        "GITHUB_ACTIONS",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_SERVER_URL",
        "GITHUB_REPOSITORY",
        "GITHUB_SHA",
        "NO_COLOR",
    ] {
        c.env_remove(k);
    }
    c
}

struct Reports {
    sarif: String,
    junit: String,
    markdown: String,
    github: String,
    json: J,
}

/// One run writing every format: SARIF, JUnit, Markdown and JSON to files,
/// annotations to stdout.
fn reports() -> Reports {
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let mut args: Vec<String> = vec!["scan".into()];
    args.extend(INPUTS.iter().map(|s| s.to_string()));
    for (format, name) in [
        ("sarif", "o.sarif"),
        ("junit", "o.xml"),
        ("markdown", "o.md"),
        ("json", "o.json"),
    ] {
        args.push("--format".into());
        args.push(format!("{format}={}", file(name)));
    }
    args.extend(["--format".into(), "github".into()]);
    // Levels follow the threshold: high and medium are errors, low warnings.
    args.extend(["--fail-on".into(), "medium".into()]);
    // A file that cannot be read makes the exit code 2.
    let out = opsgate().args(&args).assert().code(2).get_output().clone();
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    Reports {
        sarif: read("o.sarif"),
        junit: read("o.xml"),
        markdown: read("o.md"),
        github: String::from_utf8(out.stdout).unwrap(),
        json: serde_json::from_str(&read("o.json")).unwrap(),
    }
}

#[test]
fn sarif_is_valid_and_complete() {
    let r = reports();
    let sarif: J = serde_json::from_str(&r.sarif).unwrap();
    // The OASIS schema, kept in the repository with its licence (tests/data/sarif/).
    let schema: J = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif/sarif-schema-2.1.0.json"),
        )
        .expect("tests/data/sarif/sarif-schema-2.1.0.json"),
    )
    .unwrap();
    // The published schema's `language` patterns have a stray `]`, a literal in
    // ECMAScript regexes but an error to the validator's regex engine: escape it
    // (same meaning) so the rest of the schema can be used as published.
    let mut schema = schema;
    let fixed = fix_language_patterns(&mut schema);
    assert_eq!(fixed, 2, "the schema's two `language` patterns");
    let validator = jsonschema::draft7::new(&schema).expect("the SARIF schema compiles");
    // The validator does reject what the schema forbids.
    assert!(
        !validator.is_valid(&serde_json::json!({"version": "2.1.0", "runs": [{"results": []}]}))
    );
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 64); // 63 catalogue rules and OPS-META-001
    for rule in rules {
        for key in [
            "id",
            "name",
            "shortDescription",
            "fullDescription",
            "help",
            "properties",
        ] {
            assert!(!rule[key].is_null(), "{key} missing in {rule}");
        }
        assert!(rule["help"]["markdown"]
            .as_str()
            .unwrap()
            .starts_with("## OPS-"));
        assert!(rule["properties"]["tags"][0] == "operational-excellence");
    }
    let results = run["results"].as_array().unwrap();
    // Every finding of the JSON report is a result, with the same fingerprint.
    let findings = r.json["findings"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    for (res, f) in results.iter().zip(findings) {
        assert_eq!(res["ruleId"], f["rule"]);
        assert_eq!(
            rules[res["ruleIndex"].as_u64().unwrap() as usize]["id"],
            f["rule"]
        );
        assert_eq!(res["partialFingerprints"]["opsgate/v1"], f["fingerprint"]);
        let loc = &res["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], f["file"]);
        assert_eq!(loc["region"]["startLine"], f["line"]);
    }
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);

    // Golden file, with the machine-specific source root taken out.
    let mut golden = sarif.clone();
    golden["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] = J::from("file:///SRCROOT/");
    for key in ["version", "semanticVersion"] {
        golden["runs"][0]["tool"]["driver"][key] = J::from("VERSION");
    }
    insta::assert_snapshot!("sarif", serde_json::to_string_pretty(&golden).unwrap());
}

#[test]
fn github_annotations() {
    let r = reports();
    let lines: Vec<&str> = r.github.lines().collect();
    let (last, annotations) = lines.split_last().unwrap();
    for line in annotations {
        assert!(
            line.starts_with("::error file=")
                || line.starts_with("::warning file=")
                || line.starts_with("::notice file="),
            "{line}"
        );
        // One command per line: newlines in messages are escaped.
        assert!(line.contains(",title=") && line.contains("::"), "{line}");
    }
    // At fail-on medium: the input error and 18 high and medium findings are errors
    // (10 shown, the most severe first), the 4 low ones warnings; a notice counts the
    // 9 left out.
    let level = |l: &&str| l[2..].split(' ').next().unwrap().to_string();
    let levels: Vec<String> = annotations.iter().map(level).collect();
    assert_eq!(levels, [["error"; 10].as_slice(), &["warning"; 4]].concat());
    let severities: Vec<&str> = annotations[1..]
        .iter()
        .map(|l| l.split(" ").nth(2).unwrap().split("%3A").next().unwrap())
        .collect();
    assert_eq!(
        severities,
        [["high"; 4].as_slice(), &["medium"; 5], &["low"; 4]].concat()
    );
    assert!(
        last.starts_with("::notice title=opsgate%3A 9 findings not annotated::"),
        "{last}"
    );
    insta::assert_snapshot!("github", r.github);
}

/// SARIF levels follow `--fail-on` as the annotations do: at or above it `error`,
/// below `warning`, info `note`; the rules' default levels too.
#[test]
fn sarif_levels_follow_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    let levels = |fail_on: &str| {
        let file = dir.path().join(format!("{fail_on}.sarif"));
        opsgate()
            .args(["scan", "examples/orders-service", "--fail-on", fail_on])
            .arg("--format")
            .arg(format!("sarif={}", file.display()))
            .assert()
            .code(1);
        let sarif: J = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let run = &sarif["runs"][0];
        let mut by_severity = std::collections::BTreeMap::new();
        for r in run["results"].as_array().unwrap() {
            by_severity
                .entry(r["properties"]["severity"].as_str().unwrap().to_string())
                .or_insert_with(std::collections::BTreeSet::new)
                .insert(r["level"].as_str().unwrap().to_string());
        }
        let mut rules = std::collections::BTreeMap::new();
        for r in run["tool"]["driver"]["rules"].as_array().unwrap() {
            rules
                .entry(
                    r["properties"]["opsgate/severity"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                )
                .or_insert_with(std::collections::BTreeSet::new)
                .insert(
                    r["defaultConfiguration"]["level"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                );
        }
        (format!("{by_severity:?}"), format!("{rules:?}"))
    };
    assert_eq!(
        levels("high"),
        (
            r#"{"high": {"error"}, "low": {"warning"}, "medium": {"warning"}}"#.to_string(),
            r#"{"high": {"error"}, "info": {"note"}, "low": {"warning"}, "medium": {"warning"}}"#
                .to_string()
        )
    );
    assert_eq!(
        levels("low"),
        (
            r#"{"high": {"error"}, "low": {"error"}, "medium": {"error"}}"#.to_string(),
            r#"{"high": {"error"}, "info": {"note"}, "low": {"error"}, "medium": {"error"}}"#
                .to_string()
        )
    );
}

#[test]
fn junit_xml() {
    let r = reports();
    let doc = roxmltree::Document::parse(&r.junit).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites: Vec<_> = root.children().filter(|n| n.is_element()).collect();
    // Two templates and the unreadable input.
    assert_eq!(suites.len(), 3);
    let cfn_rules = 63; // every rule covers CloudFormation
    assert_eq!(
        suites[0].attribute("tests"),
        Some(cfn_rules.to_string().as_str())
    );
    let failures: usize = suites
        .iter()
        .map(|s| s.attribute("failures").unwrap().parse::<usize>().unwrap())
        .sum();
    assert_eq!(
        root.attribute("failures")
            .unwrap()
            .parse::<usize>()
            .unwrap(),
        failures
    );
    assert!(failures > 0);
    assert_eq!(root.attribute("errors"), Some("1"));
    insta::assert_snapshot!("junit", r.junit);
}

#[test]
fn markdown_summary() {
    let r = reports();
    assert!(r
        .markdown
        .starts_with("## opsgate: operational readiness\n"));
    assert!(r.markdown.contains("| severity | findings |"));
    assert!(r.markdown.contains("### By best practice"));
    assert!(r.markdown.contains("### Top findings"));
    assert!(r.markdown.contains("could not be read"));
    insta::assert_snapshot!("markdown", r.markdown);
}

#[test]
fn markdown_links_lines_in_github_actions_and_goes_to_the_step_summary() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let out = opsgate()
        .args(["scan", "tests/data/formats/alarm.yaml"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "acme/shop")
        .env("GITHUB_SHA", "0123abc")
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(out).unwrap();
    // No --format in Actions: human output and annotations on stdout...
    assert!(
        stdout.contains("::error file=tests/data/formats/alarm.yaml,line="),
        "{stdout}"
    );
    assert!(stdout.contains("OPS-EVT-001"), "{stdout}");
    // ...and the summary appended to the job summary, linking the lines.
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("earlier step\n## opsgate: operational readiness"),
        "{md}"
    );
    assert!(
        md.contains(
            "](https://github.com/acme/shop/blob/0123abc/tests/data/formats/alarm.yaml#L4)"
        ),
        "{md}"
    );
}

/// Escapes the stray `]` of the schema's `language` patterns; returns how many.
fn fix_language_patterns(v: &mut J) -> usize {
    const BROKEN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    match v {
        J::String(s) if s == BROKEN => {
            *s = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$".into();
            1
        }
        J::Array(items) => items.iter_mut().map(fix_language_patterns).sum(),
        J::Object(map) => map.values_mut().map(fix_language_patterns).sum(),
        _ => 0,
    }
}

/// The built-in rules, as a scan of the report inputs loads them.
fn builtin_policies() -> opsgate::evaluate::PolicySet {
    opsgate::evaluate::PolicySet::load(&opsgate::evaluate::PolicyOptions {
        today: "2026-11-25".into(),
        builtins: true,
        ..Default::default()
    })
}

/// A scan of the report inputs with `options` (its paths replaced by them).
fn scan_inputs(
    policies: &opsgate::evaluate::PolicySet,
    options: opsgate::scan::ScanOptions,
) -> opsgate::scan::ScanResult {
    let options = opsgate::scan::ScanOptions {
        paths: INPUTS.iter().map(Into::into).collect(),
        ..options
    };
    opsgate::scan::scan_with(&options, policies)
}

/// Reports that quote no source lines are built from findings that no longer hold
/// their file's text (memory on large scans), with the same result.
#[test]
fn findings_without_their_sources_report_the_same() {
    use opsgate::scan::ScanOptions;
    let policies = builtin_policies();
    let scan = |drop_sources| {
        scan_inputs(
            &policies,
            ScanOptions {
                drop_sources,
                ..Default::default()
            },
        )
    };
    let (kept, dropped) = (scan(false), scan(true));
    assert!(!dropped.findings.is_empty());
    assert!(dropped.findings.iter().all(|f| f.file.text.is_empty()));
    assert!(kept.findings.iter().all(|f| !f.file.text.is_empty()));
    let json = |r| opsgate::report::json::render(r);
    assert_eq!(json(&kept), json(&dropped));
    let sarif =
        |r| opsgate::report::sarif::render(r, &policies.rules, opsgate::finding::Severity::Low);
    assert_eq!(sarif(&kept), sarif(&dropped));
}

/// Findings of a scan whose reports print no fixes (JSON, markdown) keep the rule's
/// remediation instead of their own fix text (memory on large scans): the JSON and
/// markdown reports are the same, while findings that had their own fix lose it.
#[test]
fn findings_without_their_own_fixes_report_the_same() {
    use opsgate::scan::ScanOptions;
    let policies = builtin_policies();
    let scan = |drop_fixes| {
        scan_inputs(
            &policies,
            ScanOptions {
                drop_fixes,
                ..Default::default()
            },
        )
    };
    let (kept, dropped) = (scan(false), scan(true));
    assert_eq!(kept.findings.len(), dropped.findings.len());
    // The inputs are CloudFormation templates.
    let remediation = |f: &opsgate::finding::Finding| {
        policies.rules[f.rule_index]
            .texts
            .remediation("cloudformation")
    };
    // The orders service has findings whose policy wrote their own fix.
    let own = kept
        .findings
        .iter()
        .filter(|f| f.fix != remediation(f))
        .count();
    assert!(
        own > 0,
        "no finding with its own fix among {}",
        kept.findings.len()
    );
    assert!(dropped.findings.iter().all(|f| f.fix == remediation(f)));
    assert_eq!(
        opsgate::report::json::render(&kept),
        opsgate::report::json::render(&dropped)
    );
    let markdown = |r| opsgate::report::markdown::render(r, &policies.rules, &Default::default());
    assert_eq!(markdown(&kept), markdown(&dropped));
}
