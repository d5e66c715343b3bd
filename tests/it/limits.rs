//! Limits on what one input may cost: file size, nesting depth, YAML alias
//! expansion and policy evaluation time, set in opsgate.toml's `[limits]` or with
//! flags (which win), refused with an error that names the file, the limit and how
//! to raise it.

use assert_cmd::Command;
use serde_json::Value as J;

const HEADER: &str = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n";

fn opsgate(dir: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("opsgate").unwrap();
    c.current_dir(dir)
        .env("OPSGATE_TODAY", "2026-11-25")
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100");
    c
}

/// Scans `.` in `dir` with `args`, returns (exit code, JSON report, stderr).
fn scan(dir: &std::path::Path, args: &[&str]) -> (i32, J, String) {
    let out = opsgate(dir)
        .args(["scan", ".", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (
        out.status.code().unwrap_or(-1),
        report,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn errors(report: &J) -> Vec<J> {
    report["errors"].as_array().cloned().unwrap_or_default()
}

fn error_for(report: &J, file: &str) -> J {
    errors(report)
        .into_iter()
        .find(|e| e["file"].as_str().is_some_and(|f| f.ends_with(file)))
        .unwrap_or_else(|| panic!("no error for {file}: {report}"))
}

fn queue(extra: &str) -> String {
    format!("{HEADER}  Q:\n    Type: AWS::SQS::Queue\n{extra}")
}

fn deep_yaml(levels: usize) -> String {
    queue(&format!(
        "Metadata:\n  Deep: {}x{}\n",
        "[".repeat(levels),
        "]".repeat(levels)
    ))
}

fn alias_bomb(levels: usize) -> String {
    let mut s = queue("Metadata:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let mut prev = "a".to_string();
    for i in 0..levels {
        let n = format!("l{i}");
        s.push_str(&format!(
            "  {n}: &{n} [{}]\n",
            vec![format!("*{prev}"); 10].join(", ")
        ));
        prev = n;
    }
    s
}

#[test]
fn a_file_over_a_configured_size_is_an_error_naming_the_file_and_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let big = queue(&format!("# {}\n", "x".repeat(3000)));
    std::fs::write(dir.path().join("big.yaml"), &big).unwrap();
    std::fs::write(dir.path().join("small.yaml"), queue("")).unwrap();
    std::fs::write(
        dir.path().join("opsgate.toml"),
        "[limits]\nmax_file_size = \"2KB\"\n",
    )
    .unwrap();
    let (code, report, _) = scan(dir.path(), &[]);
    assert_eq!(code, 2, "{report}");
    let e = error_for(&report, "big.yaml");
    let m = e["message"].as_str().unwrap();
    assert!(m.contains("max_file_size"), "{m}");
    assert!(m.contains("2 KB (2048 bytes)"), "{m}");
    assert!(m.contains(&format!("({} bytes)", big.len())), "{m}");
    assert!(m.contains("--max-file-size"), "{m}");
    assert_eq!(errors(&report).len(), 1, "{report}");
    assert_eq!(report["summary"]["units"], 1, "small.yaml is still scanned");

    // The flag wins over the config: raised, the file loads.
    let (_, report, _) = scan(dir.path(), &["--max-file-size", "1MB"]);
    assert!(errors(&report).is_empty(), "{report}");
    assert_eq!(report["summary"]["units"], 2);
    // And lowered below the small file too, in plain bytes.
    let (_, report, _) = scan(dir.path(), &["--max-file-size", "10"]);
    assert_eq!(errors(&report).len(), 2, "{report}");
    assert!(error_for(&report, "small.yaml")["message"]
        .as_str()
        .unwrap()
        .contains("limit of 10 bytes"));
}

#[test]
fn the_size_limit_applies_to_terraform_files_too() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("tf")).unwrap();
    std::fs::write(
        dir.path().join("tf/main.tf"),
        format!(
            "resource \"aws_sqs_queue\" \"q\" {{\n  name = \"q\"\n}}\n# {}\n",
            "x".repeat(2000)
        ),
    )
    .unwrap();
    let (code, report, _) = scan(dir.path(), &["--max-file-size", "1KB"]);
    assert_eq!(code, 2);
    let m = error_for(&report, "tf/main.tf")["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(m.contains("max_file_size") && m.contains("1 KB"), "{m}");
}

#[test]
fn nesting_over_a_configured_depth_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("deep.yaml"), deep_yaml(20)).unwrap();
    std::fs::write(
        dir.path().join("deep.json"),
        format!(
            "{{\"Resources\": {{\"Q\": {{\"Type\": \"AWS::SQS::Queue\", \"Metadata\": {}1{}}}}}}}",
            "[".repeat(20),
            "]".repeat(20)
        ),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("tf")).unwrap();
    std::fs::write(
        dir.path().join("tf/main.tf"),
        format!(
            "resource \"aws_sqs_queue\" \"q\" {{\n  tags = {}1{}\n}}\n",
            "[".repeat(20),
            "]".repeat(20)
        ),
    )
    .unwrap();
    // 20 levels pass the default limit ...
    let (_, report, _) = scan(dir.path(), &[]);
    assert!(errors(&report).is_empty(), "{report}");
    // ... not a configured one of 10.
    std::fs::write(
        dir.path().join("opsgate.toml"),
        "[limits]\nmax_depth = 10\n",
    )
    .unwrap();
    let (code, report, _) = scan(dir.path(), &[]);
    assert_eq!(code, 2);
    for (file, line) in [("deep.yaml", 6), ("deep.json", 1), ("tf/main.tf", 2)] {
        let e = error_for(&report, file);
        let m = e["message"].as_str().unwrap();
        assert!(m.contains("deeper than 10 levels"), "{file}: {m}");
        assert!(
            m.contains("max_depth") && m.contains("--max-depth"),
            "{file}: {m}"
        );
        assert_eq!(e["line"], line, "{file}: {e}");
    }
    // The flag wins.
    let (_, report, _) = scan(dir.path(), &["--max-depth", "30"]);
    assert!(errors(&report).is_empty(), "{report}");
}

#[test]
fn the_highest_configurable_depth_is_safe() {
    // 500 levels (the ceiling) of YAML and JSON go through every stage (normalise,
    // evaluate, locate) without exhausting a worker's stack; HCL to its parser's
    // own limit of 64, YAML flow collections to 255.
    let dir = tempfile::tempdir().unwrap();
    let mut block = queue("    Properties:\n      Tags:\n");
    for i in 0..490 {
        block.push_str(&" ".repeat(8 + i));
        block.push_str("k:\n");
    }
    block.push_str(&" ".repeat(8 + 490));
    block.push_str("k: 1\n");
    std::fs::write(dir.path().join("deep.yaml"), block).unwrap();
    std::fs::write(dir.path().join("flow.yaml"), deep_yaml(250)).unwrap();
    std::fs::write(
        dir.path().join("deep.json"),
        format!(
            "{{\"Resources\": {{\"Q\": {{\"Type\": \"AWS::SQS::Queue\", \"Properties\": {{\"Tags\": {}1{}}}}}}}}}",
            "[".repeat(490),
            "]".repeat(490)
        ),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("tf")).unwrap();
    std::fs::write(
        dir.path().join("tf/main.tf"),
        format!(
            "resource \"aws_sqs_queue\" \"q\" {{\n  tags = {}1{}\n}}\n",
            "[".repeat(60),
            "]".repeat(60)
        ),
    )
    .unwrap();
    let (code, report, stderr) = scan(dir.path(), &["--max-depth", "500"]);
    assert!(code == 0 || code == 1, "exit {code}: {report}\n{stderr}");
    assert!(errors(&report).is_empty(), "{report}");
    assert_eq!(report["summary"]["units"], 4, "{report}");
    // Past the ceiling is a usage error.
    let out = opsgate(dir.path())
        .args(["scan", ".", "--max-depth", "501"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 to 500"));
    // The parsers' own limits are errors that say so.
    std::fs::write(dir.path().join("flow.yaml"), deep_yaml(300)).unwrap();
    std::fs::write(
        dir.path().join("tf/main.tf"),
        format!("x = {}1{}\n", "[".repeat(70), "]".repeat(70)),
    )
    .unwrap();
    let (_, report, _) = scan(dir.path(), &["--max-depth", "500"]);
    for (file, text) in [
        ("flow.yaml", "deeper than 255 levels"),
        ("tf/main.tf", "deeper than 64 levels"),
    ] {
        let m = error_for(&report, file)["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(m.contains(text) && m.contains("fixed limit"), "{file}: {m}");
    }
}

#[test]
fn an_alias_bomb_under_a_configured_alias_budget_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    // 110 + 1110 + 11110 nodes of alias expansion: under the default budget of 50 000.
    std::fs::write(dir.path().join("aliases.yaml"), alias_bomb(3)).unwrap();
    let (_, report, _) = scan(dir.path(), &[]);
    assert!(errors(&report).is_empty(), "{report}");
    std::fs::write(
        dir.path().join("opsgate.toml"),
        "[limits]\nmax_alias_nodes = 500\n",
    )
    .unwrap();
    let (code, report, _) = scan(dir.path(), &[]);
    assert_eq!(code, 2);
    let e = error_for(&report, "aliases.yaml");
    let m = e["message"].as_str().unwrap();
    assert!(m.contains("more than 500 nodes"), "{m}");
    assert!(
        m.contains("max_alias_nodes") && m.contains("--max-alias-nodes"),
        "{m}"
    );
    assert!(e["line"].as_u64().is_some(), "{e}");
    let (_, report, _) = scan(dir.path(), &["--max-alias-nodes", "50000"]);
    assert!(errors(&report).is_empty(), "{report}");
}

const SLOW_POLICY: &str = "package acme.slow\n\nmetadata := {\"id\": \"ACME-SLOW\", \"title\": \"t\", \"severity\": \"low\", \"area\": \"a\", \"section\": \"s\", \"best_practice\": \"b\", \"description\": \"d\", \"remediation\": {}, \"kinds\": [], \"formats\": [\"cloudformation\"]}\n\nfindings contains f if {\n\tsome r in input.resources\n\tn := count([x | some x in numbers.range(1, 3000); some y in numbers.range(1, 3000); x == y])\n\tn > 0\n\tf := {\"resource\": r.address, \"path\": [], \"message\": \"slow\"}\n}\n";

#[test]
fn the_evaluation_timeout_is_configurable() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    std::fs::write(dir.path().join("policies/slow.rego"), SLOW_POLICY).unwrap();
    std::fs::write(dir.path().join("t.yaml"), queue("")).unwrap();
    std::fs::write(
        dir.path().join("opsgate.toml"),
        "policy_dirs = [\"policies\"]\n\n[limits]\neval_timeout = \"200ms\"\n",
    )
    .unwrap();
    let started = std::time::Instant::now();
    let (code, report, _) = scan(dir.path(), &[]);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(8),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(code, 2);
    let m = error_for(&report, "slow.rego")["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(m.contains("ACME-SLOW"), "{m}");
    // The flag wins over the config (also as plain seconds).
    let started = std::time::Instant::now();
    let (_, report, _) = scan(dir.path(), &["--eval-timeout", "0.1"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(8));
    error_for(&report, "slow.rego");
}

#[test]
fn bad_limit_values_are_located_config_errors() {
    let cases = [
        ("max_file_size = \"20 parsecs\"", "unknown size unit"),
        ("max_file_size = 0", "at least 1 byte"),
        ("max_file_size = true", "bytes (an integer) or a string"),
        ("max_depth = 0", "between 1 and 500"),
        ("max_depth = 5000", "between 1 and 500"),
        ("max_depth = \"deep\"", "must be an integer"),
        ("max_alias_nodes = -1", "between 1 and"),
        ("eval_timeout = \"forever\"", "eval_timeout"),
        ("eval_timeout = 0", "out of range"),
        ("eval_timeout = \"10 fortnights\"", "unknown time unit"),
        ("max_files = 3", "unknown key `max_files`"),
        (
            "max_dept = 3",
            "unknown key `max_dept`; did you mean `max_depth`?",
        ),
    ];
    for (line, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("t.yaml"), queue("")).unwrap();
        std::fs::write(
            dir.path().join("opsgate.toml"),
            format!("fail_on = \"high\"\n\n[limits]\n{line}\n"),
        )
        .unwrap();
        let out = opsgate(dir.path()).args(["scan", "."]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{line}: {stderr}");
        assert!(stderr.contains(expected), "{line}: {stderr}");
        // Located: the diagnostic points at line 4 of opsgate.toml.
        assert!(
            stderr.contains("opsgate.toml:4:"),
            "{line}: no location in {stderr}"
        );
    }
}

#[test]
fn sizes_and_durations_parse_in_their_units() {
    use opsgate::config::{parse_duration, parse_size};
    assert_eq!(parse_size("20MB"), Ok(20 * 1024 * 1024));
    assert_eq!(parse_size("20 mb"), Ok(20 * 1024 * 1024));
    assert_eq!(parse_size("512KiB"), Ok(512 * 1024));
    assert_eq!(parse_size("1.5GB"), Ok(3 * 512 * 1024 * 1024));
    assert_eq!(parse_size("100"), Ok(100));
    assert!(parse_size("MB").is_err());
    assert!(parse_size("-5MB").is_err());
    let ms = std::time::Duration::from_millis;
    assert_eq!(parse_duration("10s"), Ok(ms(10_000)));
    assert_eq!(parse_duration("500ms"), Ok(ms(500)));
    assert_eq!(parse_duration("2m"), Ok(ms(120_000)));
    assert_eq!(parse_duration("1.5"), Ok(ms(1500)));
    assert!(parse_duration("0s").is_err());
    assert!(parse_duration("soon").is_err());
}
