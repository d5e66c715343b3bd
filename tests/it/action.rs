//! The GitHub Action (action.yml, a composite action): its inputs and outputs, and
//! its run steps executed in a simulated GitHub environment (GITHUB_ACTIONS,
//! GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, GITHUB_PATH, RUNNER_OS, a workspace):
//! installing a release binary verified by checksum, scanning with annotations,
//! job summary, SARIF and outputs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use opsgate::load::Node;

fn action() -> Node {
    let text = std::fs::read_to_string("action.yml").unwrap();
    opsgate::load::yaml::parse(&text).unwrap().unwrap()
}

fn keys(n: &Node) -> Vec<String> {
    n.entries().iter().map(|e| e.key.clone()).collect()
}

/// `NAME=value` lines of a GitHub file command file ($GITHUB_OUTPUT).
fn outputs(file: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn inputs_outputs_and_steps() {
    let a = action();
    let inputs = keys(a.get("inputs").unwrap());
    for name in [
        "paths",
        "format",
        "fail-on",
        "config",
        "policy-dir",
        "baseline",
        "soft-fail",
        "sarif-file",
        "upload-sarif",
        "version",
    ] {
        assert!(inputs.contains(&name.to_string()), "input {name}");
    }
    assert_eq!(
        keys(a.get("outputs").unwrap()),
        ["findings", "sarif-file", "exit-code"]
    );
    let runs = a.get("runs").unwrap();
    assert_eq!(runs.get("using").unwrap().as_str(), Some("composite"));
    let steps = runs.get("steps").unwrap().as_seq().unwrap();
    let uses: Vec<&str> = steps
        .iter()
        .filter_map(|s| s.get("uses").and_then(Node::as_str))
        .collect();
    assert!(uses.contains(&"github/codeql-action/upload-sarif@v3"));
    assert!(uses.contains(&"actions/cache@v4"));

    // Every INPUT_ variable the scan script reads is set from the input of that name.
    let scan = steps
        .iter()
        .find(|s| s.get("id").and_then(Node::as_str) == Some("scan"))
        .unwrap();
    let env = scan.get("env").unwrap();
    let script = std::fs::read_to_string("action/run.sh").unwrap();
    let mut read: Vec<&str> = script
        .match_indices("INPUT_")
        .map(|(i, _)| {
            let rest = &script[i..];
            let end = rest
                .find(|c: char| !(c.is_ascii_uppercase() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect();
    read.sort();
    read.dedup();
    assert!(read.len() >= 7, "{read:?}");
    for var in read {
        let input = var
            .trim_start_matches("INPUT_")
            .to_lowercase()
            .replace('_', "-");
        assert_eq!(
            env.get(var).and_then(Node::as_str),
            Some(format!("${{{{ inputs.{input} }}}}").as_str()),
            "{var}"
        );
        assert!(inputs.contains(&input), "{input}");
    }
}

/// A simulated runner: workspace, temp folder and the file commands.
struct Runner {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Runner {
    fn new() -> Runner {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        for d in ["workspace", "temp", "home"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        for f in ["output", "summary.md", "path"] {
            std::fs::write(root.join(f), "").unwrap();
        }
        Runner { _dir: dir, root }
    }

    fn command(&self, script: &str) -> Command {
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let bin_dir = assert_cmd::cargo::cargo_bin("opsgate")
            .parent()
            .unwrap()
            .to_path_buf();
        let path = format!(
            "{}:{}",
            bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut c = Command::new("bash");
        c.arg(repo.join(script))
            .current_dir(self.root.join("workspace"))
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.root.join("home"))
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_ACTION_PATH", &repo)
            .env("GITHUB_WORKSPACE", self.root.join("workspace"))
            .env("GITHUB_OUTPUT", self.root.join("output"))
            .env("GITHUB_STEP_SUMMARY", self.root.join("summary.md"))
            .env("GITHUB_PATH", self.root.join("path"))
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_REPOSITORY", "acme/shop")
            .env("GITHUB_SHA", "0123abc")
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("RUNNER_TEMP", self.root.join("temp"))
            .env("OPSGATE_TODAY", "2026-11-25");
        c
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn scan_step_annotates_summarises_and_sets_outputs() {
    let r = Runner::new();
    copy_dir(
        Path::new("examples/orders-service"),
        &r.root.join("workspace/stacks"),
    );
    let out = r
        .command("action/run.sh")
        .env("INPUT_PATHS", "stacks")
        .env("INPUT_FORMAT", "junit=opsgate.xml")
        .env("INPUT_FAIL_ON", "high")
        .env("INPUT_SARIF_FILE", "opsgate.sarif")
        .output()
        .unwrap();
    let log = text(&out);
    // The step itself passes, so the SARIF upload can run.
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(
        log.contains("::error file=stacks/template.yaml,line=48,col=16,"),
        "{log}"
    );
    assert!(log.contains("OPS-FLOW-001"), "{log}");
    // Annotations and the human output share the log.
    assert!(log.contains("finding"), "{log}");

    let outputs = outputs(&r.root.join("output"));
    assert_eq!(outputs["exit-code"], "1");
    assert_eq!(outputs["sarif-file"], "opsgate.sarif");
    let findings: usize = outputs["findings"].parse().unwrap();
    assert!(findings > 10, "{outputs:?}");

    let ws = r.root.join("workspace");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ws.join("opsgate.sarif")).unwrap()).unwrap();
    assert_eq!(
        sarif["runs"][0]["results"].as_array().unwrap().len(),
        findings
    );
    assert!(std::fs::read_to_string(ws.join("opsgate.xml"))
        .unwrap()
        .starts_with("<?xml"));
    let summary = std::fs::read_to_string(r.root.join("summary.md")).unwrap();
    assert!(
        summary.starts_with("## opsgate: operational readiness"),
        "{summary}"
    );
    assert!(
        summary.contains("(https://github.com/acme/shop/blob/0123abc/stacks/template.yaml#L"),
        "{summary}"
    );
}

#[test]
fn scan_step_on_a_clean_workspace() {
    let r = Runner::new();
    std::fs::copy(
        "fixtures/policies/OPS-TEL-001/pass.yaml",
        r.root.join("workspace/pass.yaml"),
    )
    .unwrap();
    let out = r
        .command("action/run.sh")
        .env("INPUT_FAIL_ON", "high")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let outputs = outputs(&r.root.join("output"));
    assert_eq!(outputs["exit-code"], "0", "{}", text(&out));
    // The SARIF file defaults to the runner's temp folder.
    assert!(outputs["sarif-file"].ends_with("temp/opsgate.sarif"));
    assert!(Path::new(&outputs["sarif-file"]).is_file());
}

/// A release folder as GitHub serves it: v<version>/<asset> and <asset>.sha256.
fn release(r: &Runner, checksum_of_other_bytes: bool) -> String {
    let version = env!("CARGO_PKG_VERSION");
    let dir = r.root.join(format!("releases/v{version}"));
    std::fs::create_dir_all(dir.join("pkg")).unwrap();
    std::fs::write(
        dir.join("pkg/opsgate"),
        "#!/bin/sh\necho \"opsgate from-release\"\n",
    )
    .unwrap();
    let asset = format!("opsgate-v{version}-x86_64-unknown-linux-musl.tar.gz");
    let ok = Command::new("tar")
        .args(["-czf", &asset, "-C", "pkg", "opsgate"])
        .current_dir(&dir)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let sum = Command::new("sha256sum")
        .arg(&asset)
        .current_dir(&dir)
        .output()
        .unwrap();
    let mut line = String::from_utf8(sum.stdout).unwrap();
    if checksum_of_other_bytes {
        line = format!("{}{}", "0".repeat(64), &line[64..]);
    }
    std::fs::write(dir.join(format!("{asset}.sha256")), line).unwrap();
    format!("file://{}", r.root.join("releases").display())
}

#[test]
fn install_step_uses_a_verified_release_binary() {
    let r = Runner::new();
    let base = release(&r, false);
    let out = r
        .command("action/install.sh")
        .env("OPSGATE_RELEASE_BASE_URL", &base)
        .env("OPSGATE_REPOSITORY", "acme/opsgate")
        .output()
        .unwrap();
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(
        log.contains("installed the release binary for x86_64-unknown-linux-musl"),
        "{log}"
    );
    assert!(log.contains("opsgate from-release"), "{log}");
    let path = std::fs::read_to_string(r.root.join("path")).unwrap();
    let bin = Path::new(path.trim()).join("opsgate");
    assert!(bin.is_file(), "{path}");

    // The next run finds it in the cache folder and downloads nothing.
    let out = r
        .command("action/install.sh")
        .env("OPSGATE_RELEASE_BASE_URL", "file:///nonexistent")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("using the cached"), "{}", text(&out));
}

#[test]
fn install_step_refuses_a_binary_whose_checksum_differs() {
    let r = Runner::new();
    let base = release(&r, true);
    let out = r
        .command("action/install.sh")
        .env("OPSGATE_RELEASE_BASE_URL", &base)
        .env("OPSGATE_REPOSITORY", "acme/opsgate")
        .output()
        .unwrap();
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains("::error title=opsgate install::checksum mismatch"),
        "{log}"
    );
    assert!(!r
        .root
        .join("home/.opsgate")
        .join(format!(
            "{}-x86_64-unknown-linux-musl/bin/opsgate",
            env!("CARGO_PKG_VERSION")
        ))
        .exists());
}

#[test]
fn scan_step_with_config_and_baseline() {
    let r = Runner::new();
    let ws = r.root.join("workspace");
    copy_dir(Path::new("examples/orders-service"), &ws.join("stacks"));
    std::fs::create_dir_all(ws.join("ci")).unwrap();
    std::fs::write(
        ws.join("ci/opsgate.toml"),
        "[rules]\ndisable = [\"OPS-ORG-001\"]\n",
    )
    .unwrap();
    // The team recorded today's findings in a baseline.
    let made = Command::new(assert_cmd::cargo::cargo_bin("opsgate"))
        .args([
            "baseline",
            "stacks",
            "--config",
            "ci/opsgate.toml",
            "--output",
            "baseline.json",
        ])
        .current_dir(&ws)
        .env("OPSGATE_TODAY", "2026-11-25")
        .output()
        .unwrap();
    assert_eq!(made.status.code(), Some(0), "{}", text(&made));
    let out = r
        .command("action/run.sh")
        .env("INPUT_PATHS", "stacks")
        .env("INPUT_CONFIG", "ci/opsgate.toml")
        .env("INPUT_BASELINE", "baseline.json")
        .output()
        .unwrap();
    let log = text(&out);
    assert!(
        log.contains("--config ci/opsgate.toml --baseline baseline.json"),
        "{log}"
    );
    let outputs = outputs(&r.root.join("output"));
    assert_eq!(outputs["exit-code"], "0", "{log}");
    assert_eq!(outputs["findings"], "0", "{log}");
    // Nothing new: no annotations.
    assert!(!log.contains("::error file="), "{log}");
}
