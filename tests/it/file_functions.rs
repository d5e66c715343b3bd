//! Terraform's file functions (issue 17, part 6): `file`, `filebase64`, `fileexists`
//! and `templatefile` read files inside the scan root, relative to the root module's
//! directory (`path.module` leads into a child module's folder); a path outside the
//! scan root (also through a symlink) is unknown, never read; a file over
//! max_value_size is a located error.

use std::path::Path;

use assert_cmd::Command;
use serde_json::{json, Value as J};

fn opsgate(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("opsgate").unwrap();
    c.current_dir(dir)
        .env("OPSGATE_TODAY", "2026-11-25")
        .env("NO_COLOR", "1");
    c
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const MAIN: &str = r#"module "child" {
  source = "./modules/child"
}

resource "aws_cloudwatch_log_group" "from_json" {
  name              = trimspace(file("cfg/name.txt"))
  retention_in_days = jsondecode(file("${path.module}/cfg/settings.json")).retention
}

resource "aws_sqs_queue" "q" {
  name   = fileexists("cfg/name.txt") ? "exists" : "missing"
  policy = templatefile("tpl/policy.tftpl", { names = ["a", "b"], owner = "team" })
  tags = {
    Missing = fileexists("cfg/nope.txt")
    B64     = filebase64("cfg/name.txt")
    Outside = file("../outside.txt")
    Etc     = file("/etc/hostname")
    Linked  = file("cfg/link.txt")
    Big     = file("cfg/big.txt")
  }
}
"#;

const CHILD: &str = r#"resource "aws_cloudwatch_log_group" "child" {
  name              = "child"
  retention_in_days = tonumber(trimspace(file("${path.module}/retention.txt")))
}
"#;

const TEMPLATE: &str = r#"%{ for n in names ~}
${n}:${owner}
%{ endfor ~}
%{ if owner == "team" }owned%{ else }orphan%{ endif }"#;

/// A scan root `root/` with the module, and a file beside it (outside the root).
fn setup() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    write(&root, "main.tf", MAIN);
    write(&root, "modules/child/main.tf", CHILD);
    write(&root, "modules/child/retention.txt", "3\n");
    write(&root, "cfg/name.txt", "orders\n");
    write(&root, "cfg/settings.json", r#"{"retention": 5}"#);
    write(&root, "cfg/big.txt", &"x".repeat(2000));
    write(&root, "tpl/policy.tftpl", TEMPLATE);
    write(tmp.path(), "outside.txt", "secret");
    #[cfg(unix)]
    std::os::unix::fs::symlink(tmp.path().join("outside.txt"), root.join("cfg/link.txt")).unwrap();
    tmp
}

#[test]
fn files_inside_the_scan_root_are_read_and_others_are_unknown() {
    let tmp = setup();
    let root = tmp.path().join("root");
    let out = opsgate(&root)
        .args(["input", ".", "--max-value-size", "1KB"])
        .output()
        .unwrap();
    let i: J = serde_json::from_slice(&out.stdout).unwrap();
    let r = &i["resources"];
    let lg = &r["aws_cloudwatch_log_group.from_json"]["properties"];
    assert_eq!(lg["name"], "orders");
    assert_eq!(lg["retention_in_days"], 5);
    assert_eq!(
        r["module.child.aws_cloudwatch_log_group.child"]["properties"]["retention_in_days"],
        3
    );
    let q = &r["aws_sqs_queue.q"];
    assert_eq!(q["properties"]["name"], "exists");
    assert_eq!(q["properties"]["policy"], "a:team\nb:team\nowned");
    let tags = &q["properties"]["tags"];
    assert_eq!(tags["Missing"], false);
    assert_eq!(tags["B64"], "b3JkZXJzCg==");
    for (key, text) in [
        ("Outside", "file(\"../outside.txt\")"),
        ("Etc", "file(\"/etc/hostname\")"),
        ("Linked", "file(\"cfg/link.txt\")"),
        ("Big", "file(\"cfg/big.txt\")"),
    ] {
        assert_eq!(tags[key], json!({"$unknown": text}), "{key}");
    }
}

/// Values read from files decide findings like any other known value; a file over
/// max_value_size is an error on the call (exit 2), the rest is still checked.
#[test]
fn file_values_decide_findings_and_a_large_file_is_a_located_error() {
    let tmp = setup();
    let root = tmp.path().join("root");
    let out = opsgate(&root)
        .args(["scan", ".", "--format", "json", "--max-value-size", "1KB"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let report: J = serde_json::from_slice(&out.stdout).unwrap();
    let evo: Vec<(&str, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "OPS-EVO-001")
        .map(|f| (f["resource"].as_str().unwrap(), f["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        evo,
        [
            ("aws_cloudwatch_log_group.from_json", 7),
            ("module.child.aws_cloudwatch_log_group.child", 3)
        ]
    );
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        (errors[0]["file"].as_str(), errors[0]["line"].as_u64()),
        (Some("main.tf"), Some(19))
    );
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("the max_value_size limit"),
        "{errors:?}"
    );
    // --verbose says what was not read.
    let out = opsgate(&root)
        .args(["scan", ".", "--verbose"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("reads \"../outside.txt\", outside the scan root; its value is unknown"),
        "{text}"
    );
}
