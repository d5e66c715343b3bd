//! The scanned repository is untrusted: symlinks are followed only inside the scan
//! root, unreadable paths are errors with their path, and Terraform module sources
//! are never fetched (no process, no network).

use std::os::unix::fs::symlink;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value as J;

const TEMPLATE: &str =
    "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n";

fn opsgate(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("opsgate").unwrap();
    c.current_dir(dir)
        .env("OPSGATE_TODAY", "2026-11-25")
        .env("NO_COLOR", "1")
        .env("COLUMNS", "200");
    c
}

/// `opsgate scan ARGS --format json` and `--verbose` human output, in `dir`.
fn scan(dir: &Path, args: &[&str]) -> (i32, J, String) {
    let out = opsgate(dir)
        .args(["scan", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let report: J = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let verbose = opsgate(dir)
        .args(["scan", "--verbose"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        report,
        String::from_utf8_lossy(&verbose.stdout).into_owned(),
    )
}

fn units(report: &J) -> u64 {
    report["summary"]["units"].as_u64().unwrap()
}

#[test]
fn symlinks_inside_the_root_are_followed_once_and_the_others_are_skipped_and_listed() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.yaml"), TEMPLATE).unwrap();
    std::fs::create_dir(outside.path().join("stacks")).unwrap();
    std::fs::write(outside.path().join("stacks/other.yaml"), TEMPLATE).unwrap();

    let top = tempfile::tempdir().unwrap();
    let root = top.path().join("repo");
    std::fs::create_dir_all(root.join("stacks/nested")).unwrap();
    std::fs::create_dir(root.join("shared")).unwrap();
    std::fs::write(root.join("stacks/a.yaml"), TEMPLATE).unwrap();
    std::fs::write(root.join("shared/b.yaml"), TEMPLATE).unwrap();
    // Inside the root: a file link (same file as a.yaml: scanned once) ...
    symlink("stacks/a.yaml", root.join("a-link.yaml")).unwrap();
    // ... a directory link (descended; its file is shared/b.yaml: once) ...
    symlink("../shared", root.join("stacks/shared-link")).unwrap();
    // ... and a loop back to an ancestor (not descended forever).
    symlink("..", root.join("stacks/nested/up")).unwrap();
    // Out of the root, dangling, and a two-link loop: not followed.
    symlink(outside.path().join("secret.yaml"), root.join("secret.yaml")).unwrap();
    symlink(outside.path().join("stacks"), root.join("outside-dir")).unwrap();
    symlink("missing.yaml", root.join("dangling.yaml")).unwrap();
    symlink("loop-b.yaml", root.join("loop-a.yaml")).unwrap();
    symlink("loop-a.yaml", root.join("loop-b.yaml")).unwrap();

    let (code, report, verbose) = scan(top.path(), &["repo"]);
    assert!(report["errors"].as_array().unwrap().is_empty(), "{report}");
    assert!(code == 0 || code == 1, "{code}");
    assert_eq!(units(&report), 2, "a.yaml and b.yaml, once each: {report}");
    let findings = report["findings"].as_array().unwrap();
    let mut files: Vec<&str> = findings
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    files.sort();
    files.dedup();
    assert_eq!(
        files,
        ["repo/shared/b.yaml", "repo/stacks/a.yaml"],
        "real paths win"
    );
    for (path, why) in [
        ("repo/secret.yaml", "outside the scan root"),
        ("repo/outside-dir", "outside the scan root"),
        ("repo/dangling.yaml", "dangling symlink (-> missing.yaml)"),
        ("repo/loop-a.yaml", "symlink loop"),
        ("repo/loop-b.yaml", "symlink loop"),
        ("repo/stacks/nested/up", "symlink loop"),
    ] {
        let line = verbose
            .lines()
            .find(|l| l.starts_with(&format!("skipped {path}: ")))
            .unwrap_or_else(|| panic!("{path} not listed as skipped:\n{verbose}"));
        assert!(line.contains(why), "{line}");
    }
    assert!(!verbose.contains("other.yaml"), "{verbose}");
}

#[test]
fn a_symlink_named_on_the_command_line_is_followed() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("t.yaml"), TEMPLATE).unwrap();
    let dir = tempfile::tempdir().unwrap();
    symlink(outside.path().join("t.yaml"), dir.path().join("link.yaml")).unwrap();
    let (_, report, _) = scan(dir.path(), &["link.yaml"]);
    assert_eq!(units(&report), 1, "{report}");
}

#[test]
fn terraform_files_and_variables_that_are_symlinks_out_of_the_root_are_not_read() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("evil.tf"),
        "resource \"aws_sqs_queue\" \"stolen\" {}\n",
    )
    .unwrap();
    std::fs::write(outside.path().join("vars.tfvars"), "name = \"stolen\"\n").unwrap();
    // Shared across modules, inside the root: followed.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("common")).unwrap();
    std::fs::create_dir_all(dir.path().join("app")).unwrap();
    std::fs::write(
        dir.path().join("common/shared.tf"),
        "resource \"aws_sqs_queue\" \"shared\" {}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("app/main.tf"),
        "variable \"name\" {\n  default = \"mine\"\n}\nresource \"aws_sqs_queue\" \"q\" {\n  name = var.name\n}\n",
    )
    .unwrap();
    symlink("../common/shared.tf", dir.path().join("app/shared.tf")).unwrap();
    symlink(
        outside.path().join("evil.tf"),
        dir.path().join("app/evil.tf"),
    )
    .unwrap();
    symlink(
        outside.path().join("vars.tfvars"),
        dir.path().join("app/terraform.tfvars"),
    )
    .unwrap();
    let out = opsgate(dir.path()).args(["input", "."]).output().unwrap();
    let units: J = serde_json::from_slice(&out.stdout).unwrap();
    let input = units
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit"] == "app")
        .unwrap_or_else(|| panic!("no unit app: {units}"));
    let addresses: Vec<&str> = input["resources"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert!(addresses.contains(&"aws_sqs_queue.q"), "{addresses:?}");
    assert!(addresses.contains(&"aws_sqs_queue.shared"), "{addresses:?}");
    assert!(
        !addresses.contains(&"aws_sqs_queue.stolen"),
        "{addresses:?}"
    );
    assert_eq!(input["variables"]["name"], "mine", "{input}");
    let (_, report, verbose) = scan(dir.path(), &["."]);
    assert!(report["errors"].as_array().unwrap().is_empty(), "{report}");
    for file in ["app/evil.tf", "app/terraform.tfvars"] {
        let prefix = format!("skipped {file}: symlink to ");
        let line = verbose
            .lines()
            .find(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("{file} not listed as skipped:\n{verbose}"));
        assert!(
            line.ends_with("outside the scan root: not followed"),
            "{line}"
        );
    }
    // Scanned on its own, app's link to ../common leaves the scan root too.
    let (_, _, verbose) = scan(dir.path(), &["app"]);
    assert!(
        verbose.contains("skipped app/shared.tf: symlink to"),
        "{verbose}"
    );
}

#[test]
fn local_module_sources_outside_the_root_are_read_as_terraform_reads_them() {
    let top = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(top.path().join("modules/queue")).unwrap();
    std::fs::create_dir_all(top.path().join("live/prod")).unwrap();
    std::fs::write(
        top.path().join("modules/queue/main.tf"),
        "resource \"aws_sqs_queue\" \"this\" {}\n",
    )
    .unwrap();
    std::fs::write(
        top.path().join("live/prod/main.tf"),
        "module \"q\" {\n  source = \"../../modules/queue\"\n}\n",
    )
    .unwrap();
    let out = opsgate(top.path())
        .args(["input", "live/prod"])
        .output()
        .unwrap();
    let input: J = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        input["resources"]["module.q.aws_sqs_queue.this"]["file"], "modules/queue/main.tf",
        "{input}"
    );
}

/// Runs as an unprivileged user when the tests run as root (root reads files whatever
/// their mode); None when that is not possible here.
fn unprivileged(dir: &Path) -> Option<Command> {
    use std::os::unix::process::CommandExt;
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some(opsgate(dir));
    }
    // The binary may sit in a folder the user cannot enter: run a copy.
    let exe = dir.join("opsgate-copy");
    std::fs::copy(env!("CARGO_BIN_EXE_opsgate"), &exe).ok()?;
    let mut probe = std::process::Command::new(&exe);
    probe
        .arg("--version")
        .uid(65534)
        .gid(65534)
        .current_dir(dir);
    if !probe.output().ok()?.status.success() {
        return None;
    }
    let mut std_cmd = std::process::Command::new(&exe);
    std_cmd
        .uid(65534)
        .gid(65534)
        .current_dir(dir)
        .env("OPSGATE_TODAY", "2026-11-25")
        .env("NO_COLOR", "1");
    Some(Command::from_std(std_cmd))
}

#[test]
fn unreadable_files_and_folders_are_errors_with_their_path() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join("locked")).unwrap();
    std::fs::write(repo.join("locked/t.yaml"), TEMPLATE).unwrap();
    std::fs::write(repo.join("secret.yaml"), TEMPLATE).unwrap();
    std::fs::write(repo.join("ok.yaml"), TEMPLATE).unwrap();
    std::fs::set_permissions(&repo, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(repo.join("ok.yaml"), std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(
        repo.join("secret.yaml"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    std::fs::set_permissions(repo.join("locked"), std::fs::Permissions::from_mode(0o000)).unwrap();
    let Some(mut cmd) = unprivileged(dir.path()) else {
        println!(
            "SKIPPED: running as root and cannot switch to an unprivileged user here, so \
             permissions do not deny reads; unreadable-path errors not checked"
        );
        return;
    };
    let out = cmd
        .args(["scan", "repo", "--format", "json"])
        .output()
        .unwrap();
    let report: J = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(out.status.code(), Some(2), "{report}");
    let errors = report["errors"].as_array().unwrap();
    let message = |file: &str| {
        errors
            .iter()
            .find(|e| e["file"] == file)
            .unwrap_or_else(|| panic!("no error for {file}: {report}"))["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(
        message("repo/secret.yaml").contains("cannot read"),
        "{report}"
    );
    assert!(message("repo/secret.yaml")
        .to_lowercase()
        .contains("permission denied"));
    assert_eq!(message("repo/locked"), "cannot read: permission denied");
    assert_eq!(errors.len(), 2, "{report}");
    assert_eq!(units(&report), 1, "ok.yaml is still scanned: {report}");
}

#[test]
fn remote_module_sources_are_never_fetched() {
    // Every kind of remote source, pointed at a port this test listens on: a scan
    // that tried to fetch any of them would connect here.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let sources = [
        format!("git::http://127.0.0.1:{port}/modules.git//queue?ref=v1"),
        format!("http://127.0.0.1:{port}/queue.zip"),
        format!("127.0.0.1:{port}/acme/queue/aws"),
        "hashicorp/consul/aws".to_string(),
        "github.com/acme/terraform-queue".to_string(),
        format!("s3::http://127.0.0.1:{port}/bucket/queue.zip"),
    ];
    let mut tf = String::from("resource \"aws_sqs_queue\" \"own\" {}\n");
    for (i, s) in sources.iter().enumerate() {
        tf.push_str(&format!("module \"m{i}\" {{\n  source = \"{s}\"\n}}\n"));
    }
    std::fs::write(dir.path().join("main.tf"), tf).unwrap();
    let started = std::time::Instant::now();
    let (_, report, verbose) = scan(dir.path(), &["."]);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert!(report["errors"].as_array().unwrap().is_empty(), "{report}");
    assert_eq!(units(&report), 1);
    for (i, s) in sources.iter().enumerate() {
        assert!(
            verbose.contains(&format!(
                "module.m{i}: module source \"{s}\" is not available locally"
            )),
            "no note for {s}:\n{verbose}"
        );
    }
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the scan connected to a module source: {other:?}"),
    }
}

#[test]
fn the_source_never_starts_a_process_or_opens_a_socket() {
    // The runtime test above covers the sources it names; this covers the code: no
    // process spawning and no networking anywhere in src/.
    let mut files = vec![std::path::PathBuf::from("src")];
    let mut checked = 0;
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        checked += 1;
        for banned in [
            "process::Command",
            "Command::new",
            "TcpStream",
            "UdpSocket",
            "std::net",
        ] {
            assert!(!text.contains(banned), "{} uses {banned}", p.display());
        }
    }
    assert!(checked > 20, "only {checked} files checked");
    let lock = std::fs::read_to_string("Cargo.lock").unwrap();
    for client in ["reqwest", "hyper", "ureq", "curl", "git2", "gix"] {
        assert!(
            !lock.contains(&format!("name = \"{client}\"")),
            "Cargo.lock has {client}"
        );
    }
}
