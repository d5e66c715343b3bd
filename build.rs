//! Embeds every file under `policies/` (Rego modules and data files) into the
//! binary, so `cargo install` gives a complete tool.

use std::fmt::Write;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            println!("cargo:rerun-if-changed={}", p.display());
            collect(&p, out);
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("rego") | Some("json")
        ) {
            out.push(p);
        }
    }
}

/// `<ID>/{expected.json,fail.yaml,pass.yaml}` and `<ID>/terraform/{fail,pass}/*.tf`.
fn collect_examples(fixtures: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rules) = std::fs::read_dir(fixtures) else {
        return;
    };
    for rule in rules.flatten() {
        let dir = rule.path();
        for name in ["expected.json", "fail.yaml", "pass.yaml"] {
            if dir.join(name).is_file() {
                out.push(dir.join(name));
            }
        }
        for case in ["fail", "pass"] {
            let tf = dir.join("terraform").join(case);
            println!("cargo:rerun-if-changed={}", tf.display());
            let Ok(files) = std::fs::read_dir(&tf) else {
                continue;
            };
            for f in files.flatten() {
                let p = f.path();
                if p.extension().and_then(|e| e.to_str()) == Some("tf") {
                    out.push(p);
                }
            }
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let policies = root.join("policies");
    println!("cargo:rerun-if-changed=policies");
    let mut files = Vec::new();
    collect(&policies, &mut files);
    files.sort();
    let mut code = String::from("/// (path relative to the crate root, contents)\npub static EMBEDDED: &[(&str, &str)] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let rel = f
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        writeln!(
            code,
            "    ({rel:?}, include_str!({:?})),",
            f.display().to_string()
        )
        .unwrap();
    }
    code.push_str("];\n");

    // The fixtures `opsgate explain` quotes as examples: each rule's failing and
    // passing CloudFormation YAML and Terraform, and the expected findings that say
    // which resource fails.
    let fixtures = root.join("fixtures").join("policies");
    println!("cargo:rerun-if-changed={}", fixtures.display());
    let mut examples = Vec::new();
    collect_examples(&fixtures, &mut examples);
    examples.sort();
    code.push_str("/// (path relative to fixtures/policies, contents)\npub static EXAMPLES: &[(&str, &str)] = &[\n");
    for f in &examples {
        println!("cargo:rerun-if-changed={}", f.display());
        let rel = f
            .strip_prefix(&fixtures)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        writeln!(
            code,
            "    ({rel:?}, include_str!({:?})),",
            f.display().to_string()
        )
        .unwrap();
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("embedded_policies.rs");
    std::fs::write(out, code).unwrap();
}
