//! Snapshots of the human output: what a developer sees in the terminal.

use assert_cmd::Command;

fn human(args: &[&str]) -> String {
    let out = Command::cargo_bin("opsgate")
        .unwrap()
        .env("OPSGATE_TODAY", "2026-11-25")
        .env("COLUMNS", "100")
        .args(["scan", "--no-color"])
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    // The summary's timing is the one thing that varies between runs.
    let (body, last) = text
        .trim_end()
        .rsplit_once('\n')
        .unwrap_or(("", text.trim_end()));
    let last = match last.rfind(" in ") {
        Some(i) if last.ends_with('s') => format!("{} in <time>", &last[..i]),
        _ => last.to_string(),
    };
    format!("exit {}\n{body}\n{last}\n", out.status.code().unwrap())
}

#[test]
fn example_service() {
    insta::assert_snapshot!(human(&["examples/orders-service"]));
}

#[test]
fn terraform_example_points_at_hcl_values_and_block_headers() {
    insta::assert_snapshot!(human(&["examples/orders-terraform"]));
}

#[test]
fn input_errors_point_at_the_bytes() {
    insta::assert_snapshot!(human(&["tests/data/errors"]));
}

#[test]
fn quiet_prints_findings_only() {
    let loud = human(&["examples/orders-service"]);
    let quiet = human(&["--quiet", "examples/orders-service"]);
    assert!(
        loud.contains(" findings (") && !quiet.contains(" findings ("),
        "{quiet}"
    );
    assert_eq!(quiet.matches("OPS-").count(), loud.matches("OPS-").count());
}
