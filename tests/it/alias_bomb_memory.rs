//! A billion-laughs YAML file is refused before it costs memory: the scan of it, in
//! a child process, peaks under 100 MB of resident memory and reports the alias
//! error at its place, exit code 2. (The measured process is the child alone:
//! wait4 reports that child's usage, whatever else the test binary runs.)

use std::process::{Command, Stdio};

const FIXTURE: &str = "tests/data/limits/alias-bomb.yaml";
const LIMIT_KB: i64 = 100 * 1024;

/// Runs `cmd` to completion; returns (exit code, stdout, peak RSS in KiB) of that
/// child alone (wait4's rusage is per child, unlike RUSAGE_CHILDREN).
fn run_measured(cmd: &mut Command) -> (i32, String, i64) {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("stdout");
    let child = cmd
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data, filled in by wait4; the pid is our child's,
    // and `child` is never waited on through std afterwards.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(
        waited,
        pid,
        "wait4 failed: {}",
        std::io::Error::last_os_error()
    );
    std::mem::forget(child);
    assert!(
        libc::WIFEXITED(status),
        "the child did not exit: status {status}"
    );
    let code = libc::WEXITSTATUS(status);
    let stdout = std::fs::read_to_string(&out_path).unwrap();
    // ru_maxrss is in KiB on Linux (bytes on macOS).
    let kb = if cfg!(target_os = "macos") {
        usage.ru_maxrss / 1024
    } else {
        usage.ru_maxrss
    };
    (code, stdout, kb)
}

#[test]
fn the_billion_laughs_is_refused_in_bounded_memory() {
    let (code, stdout, peak_kb) = run_measured(
        Command::new(env!("CARGO_BIN_EXE_opsgate"))
            .args(["scan", FIXTURE, "--format", "json"])
            .env("OPSGATE_TODAY", "2026-11-25"),
    );
    println!("peak RSS scanning the alias bomb: {} MiB", peak_kb / 1024);
    assert_eq!(code, 2, "{stdout}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{report}");
    let e = &errors[0];
    assert_eq!(e["file"], FIXTURE);
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("aliases expand to more than 50000 nodes"),
        "{e}"
    );
    // The first alias past the budget: on the line of `lol4`.
    assert_eq!(e["line"], 11, "{e}");
    assert!(e["column"].as_u64().is_some_and(|c| c > 1), "{e}");
    assert!(
        peak_kb < LIMIT_KB,
        "peak RSS {peak_kb} KiB is over {LIMIT_KB} KiB"
    );
}

/// This test's name as the test harness lists it (its module path without the crate).
fn this_test() -> String {
    let module = module_path!().split_once("::").map_or("", |(_, m)| m);
    format!("{module}::the_measurement_sees_memory_a_child_uses")
}

/// Set in the child that the self-check below starts: this test binary, re-run to
/// touch 150 MB and exit (no external program needed).
const ALLOCATE: &str = "OPSGATE_TEST_ALLOCATE_150MB";

#[test]
fn the_measurement_sees_memory_a_child_uses() {
    if std::env::var_os(ALLOCATE).is_some() {
        let mut b = vec![0u8; 150 * 1024 * 1024];
        for i in (0..b.len()).step_by(4096) {
            b[i] = 1;
        }
        assert_eq!(std::hint::black_box(&b)[4096], 1);
        return;
    }
    // The check above would pass vacuously if ru_maxrss were not this child's: a
    // child that touches 150 MB must be measured above the limit.
    let (code, _, peak_kb) = run_measured(
        Command::new(std::env::current_exe().unwrap())
            .args(["--exact", &this_test()])
            .env(ALLOCATE, "1"),
    );
    assert_eq!(code, 0, "the allocating child failed");
    assert!(peak_kb > LIMIT_KB, "measured only {peak_kb} KiB");
}
