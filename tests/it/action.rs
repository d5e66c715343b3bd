//! The GitHub Action (action.yml, a composite action): its inputs and outputs, and
//! its run steps executed in a simulated GitHub environment (GITHUB_ACTIONS,
//! GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, GITHUB_PATH, RUNNER_OS, a workspace):
//! installing a release binary verified by checksum (archives packed by the
//! release workflow's own script), or building the version asked for; scanning with
//! annotations, job summary, SARIF and outputs; skipping the SARIF upload where the
//! token cannot write security events.

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
    assert!(uses.contains(&"github/codeql-action/upload-sarif@v4"));
    assert!(uses.contains(&"actions/cache@v4"));

    // The upload runs only when the token can write security events, and with
    // soft-fail its failure does not fail the run.
    let step = |id: &str| {
        steps
            .iter()
            .find(|s| s.get("id").and_then(Node::as_str) == Some(id))
            .unwrap()
    };
    let upload = steps
        .iter()
        .find(|s| {
            s.get("uses").and_then(Node::as_str) == Some("github/codeql-action/upload-sarif@v4")
        })
        .unwrap();
    assert_eq!(
        upload.get("if").and_then(Node::as_str),
        Some("${{ always() && steps.upload.outputs.upload == 'true' }}")
    );
    assert_eq!(
        upload.get("continue-on-error").and_then(Node::as_str),
        Some("${{ inputs.soft-fail == 'true' }}")
    );
    let check = step("upload").get("env").unwrap();
    for (var, value) in [
        ("SARIF_FILE", "${{ steps.scan.outputs.sarif-file }}"),
        ("EVENT_NAME", "${{ github.event_name }}"),
        (
            "HEAD_REPO",
            "${{ github.event.pull_request.head.repo.full_name }}",
        ),
        ("ACTOR", "${{ github.actor }}"),
    ] {
        assert_eq!(check.get(var).and_then(Node::as_str), Some(value), "{var}");
    }

    for (id, script) in [
        ("scan", "action/run.sh"),
        ("upload", "action/can-upload-sarif.sh"),
    ] {
        inputs_reach_the_script(step(id), script, &inputs);
    }
}

/// Every INPUT_ variable `script` reads is set from the input of that name in the
/// step's `env`.
fn inputs_reach_the_script(step: &Node, script: &str, inputs: &[String]) {
    let env = step.get("env").unwrap();
    assert!(step
        .get("run")
        .and_then(Node::as_str)
        .unwrap()
        .contains(script));
    let script = std::fs::read_to_string(script).unwrap();
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
    assert!(!read.is_empty());
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

#[test]
fn the_scan_step_passes_every_input() {
    let a = action();
    let steps = a
        .get("runs")
        .unwrap()
        .get("steps")
        .unwrap()
        .as_seq()
        .unwrap();
    let scan = steps
        .iter()
        .find(|s| s.get("id").and_then(Node::as_str) == Some("scan"))
        .unwrap();
    let env = keys(scan.get("env").unwrap());
    assert_eq!(
        env,
        [
            "INPUT_PATHS",
            "INPUT_FORMAT",
            "INPUT_FAIL_ON",
            "INPUT_CONFIG",
            "INPUT_POLICY_DIR",
            "INPUT_BASELINE",
            "INPUT_SARIF_FILE"
        ]
    );
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
        // fakebin first: a `cargo` that records how it was called, where a test
        // puts one.
        let path = format!(
            "{}:{}:{}",
            self.root.join("fakebin").display(),
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
    // With fail-on high, a high finding is an error and a medium one a warning.
    assert!(
        log.contains(
            "::error file=stacks/template.yaml,line=48,col=16,endLine=48,endColumn=25,title=OPS-FLOW-001 high%3A"
        ),
        "{log}"
    );
    assert!(
        log.contains(
            "::warning file=stacks/template.yaml,line=49,col=16,endLine=49,endColumn=27,title=OPS-TEL-001 medium%3A"
        ),
        "{log}"
    );
    // Within GitHub's caps, the most severe first.
    let levels: Vec<&str> = log
        .lines()
        .filter(|l| l.starts_with("::") && l.contains(" file="))
        .map(|l| &l[2..l.find(' ').unwrap()])
        .collect();
    let count = |level| levels.iter().filter(|l| **l == level).count();
    assert_eq!(count("error"), 3, "{levels:?}");
    assert_eq!(count("warning"), 10, "{levels:?}");
    assert!(levels.windows(2).all(|w| w[0] == w[1] || w[0] == "error"));
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
    // The findings over the caps are named in the summary.
    let not_annotated = findings - 13;
    assert!(
        log.contains(&format!(
            "::notice title=opsgate%3A {not_annotated} findings not annotated::"
        )),
        "{log}"
    );
    assert!(
        summary.contains(&format!(
            "### Not annotated\n\nGitHub shows 10 annotations of each level per step, so the \
             diff has the most severe 13 (3 error, 10 warning; errors are the findings at or \
             above `--fail-on high`). These {not_annotated} findings are not annotated:"
        )),
        "{summary}"
    );
}

/// The SARIF upload runs where the token can write security events; elsewhere it
/// is skipped with a notice.
#[test]
fn sarif_upload_is_skipped_where_the_token_cannot_write() {
    let r = Runner::new();
    let sarif = r.root.join("temp/opsgate.sarif");
    std::fs::write(&sarif, "{}").unwrap();
    let check = |vars: &[(&str, &str)]| {
        std::fs::write(r.root.join("output"), "").unwrap();
        let mut c = r.command("action/can-upload-sarif.sh");
        c.env("INPUT_UPLOAD_SARIF", "true")
            .env("SARIF_FILE", &sarif)
            .env("ACTOR", "octocat");
        for (k, v) in vars {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let notice = text(&out)
            .lines()
            .find(|l| l.starts_with("::notice"))
            .map(String::from);
        (outputs(&r.root.join("output"))["upload"].clone(), notice)
    };
    let same_repo = [("EVENT_NAME", "pull_request"), ("HEAD_REPO", "acme/shop")];
    assert_eq!(check(&same_repo), ("true".into(), None));
    assert_eq!(check(&[("EVENT_NAME", "push")]), ("true".into(), None));
    let (upload, notice) = check(&[
        ("EVENT_NAME", "pull_request"),
        ("HEAD_REPO", "mallory/shop"),
    ]);
    assert_eq!(upload, "false");
    assert_eq!(
        notice.unwrap(),
        "::notice title=opsgate%3A SARIF not uploaded::pull requests from forks (here \
         mallory/shop) get a read-only token, which cannot write security events; the \
         annotations and the job summary have the findings"
    );
    // A fork that was deleted has no head repository.
    let (upload, notice) = check(&[("EVENT_NAME", "pull_request"), ("HEAD_REPO", "")]);
    assert_eq!(upload, "false");
    assert!(notice.unwrap().contains("(here a deleted fork)"));
    // pull_request_target runs with the base repository's token.
    assert_eq!(
        check(&[
            ("EVENT_NAME", "pull_request_target"),
            ("HEAD_REPO", "mallory/shop")
        ]),
        ("true".into(), None)
    );
    let (upload, notice) = check(&[
        ("EVENT_NAME", "pull_request"),
        ("HEAD_REPO", "acme/shop"),
        ("ACTOR", "dependabot[bot]"),
    ]);
    assert_eq!(upload, "false");
    assert!(notice.unwrap().starts_with(
        "::notice title=opsgate%3A SARIF not uploaded::runs started by Dependabot get a read-only token"
    ));
    // No report (the scan did not run): nothing to upload.
    std::fs::remove_file(&sarif).unwrap();
    let (upload, notice) = check(&[("EVENT_NAME", "push")]);
    assert_eq!(upload, "false");
    assert_eq!(
        notice.unwrap(),
        format!(
            "::notice title=opsgate%3A SARIF not uploaded::the scan wrote no SARIF report at {}",
            sarif.display()
        )
    );
    // Not asked for: no upload, no notice.
    std::fs::write(r.root.join("output"), "").unwrap();
    let out = r
        .command("action/can-upload-sarif.sh")
        .env("INPUT_UPLOAD_SARIF", "false")
        .output()
        .unwrap();
    assert!(!text(&out).contains("::notice"), "{}", text(&out));
    assert_eq!(outputs(&r.root.join("output"))["upload"], "false");
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

/// The targets of release.yml's build matrix.
fn release_targets() -> Vec<String> {
    let text = std::fs::read_to_string(".github/workflows/release.yml").unwrap();
    let wf = opsgate::load::yaml::parse(&text).unwrap().unwrap();
    let build = wf.get("jobs").unwrap().get("build").unwrap();
    build
        .get("strategy")
        .unwrap()
        .get("matrix")
        .unwrap()
        .get("include")
        .unwrap()
        .as_seq()
        .unwrap()
        .iter()
        .map(|e| e.get("target").unwrap().as_str().unwrap().to_string())
        .collect()
}

/// A binary that says it is opsgate `version`.
fn fake_binary(dir: &Path, version: &str) -> PathBuf {
    let bin = dir.join(format!("opsgate-{version}"));
    std::fs::write(&bin, format!("#!/bin/sh\necho \"opsgate {version}\"\n")).unwrap();
    bin
}

/// A release as GitHub serves it, `<base>/v<version>/<asset>` and `<asset>.sha256`,
/// packed by scripts/package-release.sh as release.yml packs it, for each target.
/// The binary reports `reports`; returns the base URL (file://).
fn release(r: &Runner, version: &str, reports: &str, targets: &[String]) -> String {
    let dir = r.root.join(format!("releases/v{version}"));
    std::fs::create_dir_all(&dir).unwrap();
    let bin = fake_binary(&r.root, reports);
    for target in targets {
        let out = Command::new("bash")
            .arg("scripts/package-release.sh")
            .args([version, target])
            .arg(&bin)
            .arg(&dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("opsgate-v{version}-{target}.tar.gz\n")
        );
    }
    format!("file://{}", r.root.join("releases").display())
}

/// A `cargo` on the runner's PATH that records its arguments and installs a binary
/// reporting `reports` where `--root` says.
fn fake_cargo(r: &Runner, reports: &str) {
    let dir = r.root.join("fakebin");
    std::fs::create_dir_all(&dir).unwrap();
    let log = r.root.join("cargo.log");
    let script = format!(
        "#!/usr/bin/env bash\n\
         echo \"$*\" >> '{}'\n\
         root=''; prev=''\n\
         for a in \"$@\"; do [ \"$prev\" = --root ] && root=\"$a\"; prev=\"$a\"; done\n\
         mkdir -p \"$root/bin\"\n\
         printf '#!/bin/sh\\necho \"opsgate {reports}\"\\n' > \"$root/bin/opsgate\"\n\
         chmod +x \"$root/bin/opsgate\"\n",
        log.display()
    );
    let cargo = dir.join("cargo");
    std::fs::write(&cargo, script).unwrap();
    let ok = Command::new("chmod")
        .arg("+x")
        .arg(&cargo)
        .status()
        .unwrap();
    assert!(ok.success());
}

fn cargo_calls(r: &Runner) -> String {
    std::fs::read_to_string(r.root.join("cargo.log")).unwrap_or_default()
}

fn linux() -> Vec<String> {
    vec!["x86_64-unknown-linux-musl".to_string()]
}

/// Where install.sh puts the binary of `version` for Linux x86_64.
fn installed(r: &Runner, version: &str) -> PathBuf {
    r.root.join(format!(
        "home/.opsgate/{version}-x86_64-unknown-linux-musl/bin/opsgate"
    ))
}

#[test]
fn install_step_uses_a_verified_release_binary() {
    let r = Runner::new();
    let version = env!("CARGO_PKG_VERSION");
    let base = release(&r, version, version, &linux());
    let out = r
        .command("action/install.sh")
        .env("OPSGATE_RELEASE_BASE_URL", &base)
        .env("OPSGATE_REPOSITORY", "acme/opsgate")
        .output()
        .unwrap();
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    let sum = std::fs::read_to_string(r.root.join(format!(
        "releases/v{version}/opsgate-v{version}-x86_64-unknown-linux-musl.tar.gz.sha256"
    )))
    .unwrap();
    assert!(
        log.contains(&format!(
            "opsgate {version}: installed the release binary for x86_64-unknown-linux-musl (sha256 {})\n",
            &sum[..64]
        )),
        "{log}"
    );
    assert!(log.ends_with(&format!("opsgate {version}\n")), "{log}");
    let path = std::fs::read_to_string(r.root.join("path")).unwrap();
    assert_eq!(
        Path::new(path.trim()).join("opsgate"),
        installed(&r, version)
    );
    assert!(installed(&r, version).is_file());
    assert_eq!(cargo_calls(&r), "");

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
    let version = env!("CARGO_PKG_VERSION");
    let base = release(&r, version, version, &linux());
    // Someone replaced the archive after its checksum was published.
    let asset = r.root.join(format!(
        "releases/v{version}/opsgate-v{version}-x86_64-unknown-linux-musl.tar.gz"
    ));
    let mut bytes = std::fs::read(&asset).unwrap();
    bytes.extend_from_slice(b"tampered");
    std::fs::write(&asset, bytes).unwrap();
    fake_cargo(&r, version);
    let out = r
        .command("action/install.sh")
        .env("OPSGATE_RELEASE_BASE_URL", &base)
        .env("OPSGATE_REPOSITORY", "acme/opsgate")
        .output()
        .unwrap();
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains(&format!(
            "::error title=opsgate install::checksum mismatch for opsgate-v{version}-x86_64-unknown-linux-musl.tar.gz (expected "
        )),
        "{log}"
    );
    // No fallback to building something else.
    assert_eq!(cargo_calls(&r), "");
    assert!(!installed(&r, version).exists());
    assert_eq!(std::fs::read_to_string(r.root.join("path")).unwrap(), "");

    // An archive without its .sha256 is refused too.
    std::fs::remove_file(asset.with_extension("gz.sha256")).unwrap();
    let out = r
        .command("action/install.sh")
        .env("OPSGATE_RELEASE_BASE_URL", &base)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "::error title=opsgate install::opsgate-v{version}-x86_64-unknown-linux-musl.tar.gz has no opsgate-v{version}-x86_64-unknown-linux-musl.tar.gz.sha256 beside it"
        )),
        "{}",
        text(&out)
    );
    assert_eq!(cargo_calls(&r), "");
}

/// Each runner the action supports finds its own archive among those release.yml
/// builds, and every target built is one a runner uses.
#[test]
fn install_step_finds_each_runners_release_asset() {
    let targets = release_targets();
    assert_eq!(targets.len(), 5, "{targets:?}");
    let mut used = Vec::new();
    for (os, arch) in [
        ("Linux", "X64"),
        ("Linux", "ARM64"),
        ("macOS", "X64"),
        ("macOS", "ARM64"),
        ("Windows", "X64"),
    ] {
        let r = Runner::new();
        let base = release(&r, "9.9.9", "9.9.9", &targets);
        let out = r
            .command("action/install.sh")
            .env("RUNNER_OS", os)
            .env("RUNNER_ARCH", arch)
            .env("INPUT_VERSION", "9.9.9")
            .env("OPSGATE_RELEASE_BASE_URL", &base)
            .output()
            .unwrap();
        let log = text(&out);
        assert_eq!(out.status.code(), Some(0), "{os} {arch}: {log}");
        let target = log
            .split("installed the release binary for ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or_else(|| panic!("{os} {arch}: {log}"))
            .to_string();
        let exe = if os == "Windows" {
            "opsgate.exe"
        } else {
            "opsgate"
        };
        assert!(r
            .root
            .join(format!("home/.opsgate/9.9.9-{target}/bin/{exe}"))
            .is_file());
        used.push(target);
    }
    used.sort();
    let mut targets = targets;
    targets.sort();
    assert_eq!(used, targets);
}

/// `version` other than the action's own: that version's release binary, or its
/// tag's source; never the action's own source.
#[test]
fn install_step_installs_the_version_asked_for() {
    let own = env!("CARGO_PKG_VERSION");
    // A release of 9.9.9: its binary ("v" in front is accepted).
    let r = Runner::new();
    let base = release(&r, "9.9.9", "9.9.9", &linux());
    fake_cargo(&r, own);
    let out = r
        .command("action/install.sh")
        .env("INPUT_VERSION", "v9.9.9")
        .env("OPSGATE_RELEASE_BASE_URL", &base)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).ends_with("opsgate 9.9.9\n"), "{}", text(&out));
    assert!(installed(&r, "9.9.9").is_file());
    assert_eq!(cargo_calls(&r), "");

    // No release binary of 9.9.9: built from the repository's tag v9.9.9.
    let r = Runner::new();
    fake_cargo(&r, "9.9.9");
    let out = r
        .command("action/install.sh")
        .env("INPUT_VERSION", "9.9.9")
        .env("OPSGATE_REPOSITORY", "acme/opsgate")
        .env("OPSGATE_RELEASE_BASE_URL", "file:///nonexistent")
        .output()
        .unwrap();
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(
        log.contains(&format!(
            "opsgate 9.9.9: no release binary for x86_64-unknown-linux-musl; building tag v9.9.9 of https://github.com/acme/opsgate with cargo (the action's own source is {own})"
        )),
        "{log}"
    );
    let dest = r.root.join("home/.opsgate/9.9.9-x86_64-unknown-linux-musl");
    assert_eq!(
        cargo_calls(&r),
        format!(
            "install --locked --git https://github.com/acme/opsgate --tag v9.9.9 --root {} opsgate\n",
            dest.display()
        )
    );
    assert!(log.ends_with("opsgate 9.9.9\n"), "{log}");

    // Without the repository's name there is no source of 9.9.9: an error.
    let r = Runner::new();
    fake_cargo(&r, own);
    let out = r
        .command("action/install.sh")
        .env("INPUT_VERSION", "9.9.9")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "::error title=opsgate install::opsgate 9.9.9: no release binary for x86_64-unknown-linux-musl, and the action's own source is {own}"
        )),
        "{}",
        text(&out)
    );
    assert_eq!(cargo_calls(&r), "");

    // Not a version.
    let out = r
        .command("action/install.sh")
        .env("INPUT_VERSION", "latest")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "::error title=opsgate install::version `latest` is not a release version like {own}"
        )),
        "{}",
        text(&out)
    );
}

/// No release binary of the action's own version: `cargo install --path` of the
/// action's checkout.
#[test]
fn install_step_falls_back_to_the_actions_source() {
    let own = env!("CARGO_PKG_VERSION");
    let r = Runner::new();
    fake_cargo(&r, own);
    let out = r
        .command("action/install.sh")
        .env("OPSGATE_REPOSITORY", "acme/opsgate")
        .env("OPSGATE_RELEASE_BASE_URL", "file:///nonexistent")
        .output()
        .unwrap();
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(
        log.contains(&format!(
            "opsgate {own}: no release binary for x86_64-unknown-linux-musl; building the action's source with cargo"
        )),
        "{log}"
    );
    assert_eq!(
        cargo_calls(&r),
        format!(
            "install --locked --path {} --root {}\n",
            env!("CARGO_MANIFEST_DIR"),
            r.root
                .join(format!("home/.opsgate/{own}-x86_64-unknown-linux-musl"))
                .display()
        )
    );
    assert!(installed(&r, own).is_file());
    let path = std::fs::read_to_string(r.root.join("path")).unwrap();
    assert_eq!(
        path.trim(),
        installed(&r, own).parent().unwrap().to_str().unwrap()
    );
}

/// A binary that is not the version asked for is refused, and not kept for the cache.
#[test]
fn install_step_refuses_a_binary_of_another_version() {
    let r = Runner::new();
    let base = release(&r, "9.9.9", "1.0.0", &linux());
    let out = r
        .command("action/install.sh")
        .env("INPUT_VERSION", "9.9.9")
        .env("OPSGATE_RELEASE_BASE_URL", &base)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "::error title=opsgate install::asked for opsgate 9.9.9 but {} is `opsgate 1.0.0`",
            installed(&r, "9.9.9").display()
        )),
        "{}",
        text(&out)
    );
    assert!(!installed(&r, "9.9.9").exists());
}

/// The archive layout: opsgate-v<version>-<target>/opsgate[.exe] beside README.md,
/// and a checksum line `sha256sum -c` accepts.
#[test]
fn release_assets_are_laid_out_as_install_sh_reads_them() {
    let r = Runner::new();
    let targets = [
        "x86_64-unknown-linux-musl".to_string(),
        "x86_64-pc-windows-msvc".to_string(),
    ];
    release(&r, "1.2.3-rc.1", "1.2.3-rc.1", &targets);
    let dir = r.root.join("releases/v1.2.3-rc.1");
    for (target, exe) in [
        ("x86_64-unknown-linux-musl", "opsgate"),
        ("x86_64-pc-windows-msvc", "opsgate.exe"),
    ] {
        let asset = format!("opsgate-v1.2.3-rc.1-{target}.tar.gz");
        let list = Command::new("tar")
            .arg("-tzf")
            .arg(dir.join(&asset))
            .output()
            .unwrap();
        let mut names: Vec<String> = String::from_utf8(list.stdout)
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
        names.sort();
        let top = format!("opsgate-v1.2.3-rc.1-{target}/");
        let mut want = vec![
            top.clone(),
            format!("{top}README.md"),
            format!("{top}{exe}"),
        ];
        if Path::new("LICENSE").is_file() {
            want.push(format!("{top}LICENSE"));
        }
        want.sort();
        assert_eq!(names, want);
        let check = Command::new("sha256sum")
            .args(["-c", &format!("{asset}.sha256")])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(check.status.success(), "{}", text(&check));
        assert_eq!(
            String::from_utf8_lossy(&check.stdout),
            format!("{asset}: OK\n")
        );
    }
    // What is not a version or a target is refused.
    let bin = fake_binary(&r.root, "1");
    for (version, target) in [("1.2", "x86_64-unknown-linux-musl"), ("1.2.3", "linux")] {
        let out = Command::new("bash")
            .arg("scripts/package-release.sh")
            .args([version, target])
            .arg(&bin)
            .arg(&dir)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    }
}

/// release.yml: every target built without cancelling the others, packed by the
/// script the tests use, and the major tag moved after all uploads.
#[test]
fn release_workflow_builds_every_target_and_moves_the_major_tag() {
    let text = std::fs::read_to_string(".github/workflows/release.yml").unwrap();
    let wf = opsgate::load::yaml::parse(&text).unwrap().unwrap();
    let jobs = wf.get("jobs").unwrap();
    assert_eq!(keys(jobs), ["create", "build", "checksums", "major-tag"]);
    // Only version tags start it (not the moving v0).
    let tags: Vec<&str> = wf
        .get("on")
        .unwrap()
        .get("push")
        .unwrap()
        .get("tags")
        .unwrap()
        .as_seq()
        .unwrap()
        .iter()
        .filter_map(Node::as_str)
        .collect();
    assert_eq!(tags, ["v[0-9]+.[0-9]+.[0-9]+", "v[0-9]+.[0-9]+.[0-9]+-*"]);

    let build = jobs.get("build").unwrap();
    let strategy = build.get("strategy").unwrap();
    assert_eq!(
        strategy.get("fail-fast").unwrap().value,
        opsgate::load::Value::Bool(false)
    );
    let runners: Vec<(String, String)> = strategy
        .get("matrix")
        .unwrap()
        .get("include")
        .unwrap()
        .as_seq()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e.get("os").unwrap().as_str().unwrap().to_string(),
                e.get("target").unwrap().as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = [
        ("ubuntu-24.04", "x86_64-unknown-linux-musl"),
        ("ubuntu-24.04-arm", "aarch64-unknown-linux-musl"),
        ("macos-26-intel", "x86_64-apple-darwin"),
        ("macos-26", "aarch64-apple-darwin"),
        ("windows-2025", "x86_64-pc-windows-msvc"),
    ];
    assert_eq!(runners, want.map(|(o, t)| (o.to_string(), t.to_string())));
    let run = |job: &Node| -> String {
        job.get("steps")
            .unwrap()
            .as_seq()
            .unwrap()
            .iter()
            .filter_map(|s| s.get("run").and_then(Node::as_str))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(run(build).contains(
        "bash scripts/package-release.sh \"${GITHUB_REF_NAME#v}\" \"${{ matrix.target }}\""
    ));
    assert!(run(build).contains(
        "gh release upload \"$GITHUB_REF_NAME\" \"dist/$ASSET\" \"dist/$ASSET.sha256\" --clobber"
    ));
    assert!(run(jobs.get("checksums").unwrap()).contains("SHA256SUMS"));

    let major = jobs.get("major-tag").unwrap();
    let needs: Vec<&str> = major
        .get("needs")
        .unwrap()
        .as_seq()
        .unwrap()
        .iter()
        .filter_map(Node::as_str)
        .collect();
    assert_eq!(needs, ["build", "checksums"]);
    assert_eq!(
        major
            .get("permissions")
            .unwrap()
            .get("contents")
            .unwrap()
            .as_str(),
        Some("write")
    );
    assert_eq!(
        major.get("if").and_then(Node::as_str),
        Some("${{ !contains(github.ref_name, '-') }}")
    );
    let script = run(major);
    assert!(
        script.contains("major=\"${GITHUB_REF_NAME%%.*}\""),
        "{script}"
    );
    assert!(script.contains("git tag -f \"$major\""), "{script}");
    assert!(
        script.contains("git push -f origin \"refs/tags/$major\""),
        "{script}"
    );
    // The workflow's default token is read-only; jobs that write say so.
    assert_eq!(
        wf.get("permissions")
            .unwrap()
            .get("contents")
            .unwrap()
            .as_str(),
        Some("read")
    );
}

/// The major tag the script computes, and the refs the README points at.
#[test]
fn readme_points_at_refs_the_release_makes() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let version = env!("CARGO_PKG_VERSION");
    let major = version.split('.').next().unwrap();
    assert!(readme.contains(&format!("uses: opsgate/opsgate@v{major}\n")));
    assert!(readme.contains(&format!("rev: v{version}\n")));
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
