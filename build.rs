//! Embeds every file under `policies/` (Rego modules and data files) into the
//! binary, so `cargo install` gives a complete tool, and with them every built-in
//! rule compiled to regorus bytecode, so a run does not compile them again.

use std::fmt::Write;
use std::path::{Path, PathBuf};

// The code opsgate itself uses to name packages and compile rules, so that the
// programs made here are the ones it would make (a test compares them).
#[allow(dead_code)]
#[path = "src/evaluate/bytecode.rs"]
mod bytecode;

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
            // (No rerun-if-changed here: a path that does not exist makes cargo run
            // this script, and rebuild opsgate, on every build; the fixtures folder's
            // own line below covers everything in it.)
            let tf = dir.join("terraform").join(case);
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
    // A folder: cargo looks at everything under it.
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

    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    println!("cargo:rerun-if-changed=src/evaluate/bytecode.rs");
    code.push_str(&compile_builtin_rules(&root, &files, &out_dir));
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("embedded_policies.rs");
    std::fs::write(out, code).unwrap();
}

/// Every built-in rule compiled with the built-in libraries, as opsgate compiles a
/// rule when no team library joins them: `PROGRAMS`, (package, hash of the rule's
/// modules, program bytes). A rule that does not compile is left out (with a
/// warning): opsgate then compiles it at run time and reports the error there.
fn compile_builtin_rules(root: &Path, files: &[PathBuf], out_dir: &Path) -> String {
    let mut packages: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for f in files {
        let rel = f
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if !rel.ends_with(".rego") || rel.ends_with("_test.rego") {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        let name = bytecode::declared_package(&text);
        match packages.iter_mut().find(|(p, _)| *p == name) {
            Some((_, modules)) => modules.push((rel, text)),
            None => packages.push((name, vec![(rel, text)])),
        }
    }
    let (rules, libraries): (Vec<_>, Vec<_>) = packages
        .into_iter()
        .partition(|(_, modules)| modules.iter().any(|(_, t)| bytecode::declares_rule(t)));
    let mut code = String::from(
        "/// (package, hash of its modules, bytecode) of each built-in rule\npub static PROGRAMS: &[(&str, &str, &[u8])] = &[\n",
    );
    let mut base = regorus::Engine::new();
    base.set_rego_v0(false);
    for (file, text) in libraries.iter().flat_map(|(_, m)| m) {
        if let Err(e) = base.add_policy(file.clone(), text.clone()) {
            println!("cargo:warning=no bytecode: {file} does not parse: {e}");
            return code + "];\n";
        }
    }
    let dir = out_dir.join("bytecode");
    std::fs::create_dir_all(&dir).unwrap();
    for (index, (package, modules)) in rules.iter().enumerate() {
        let mut engine = base.clone();
        let program = modules
            .iter()
            .try_for_each(|(file, text)| engine.add_policy(file.clone(), text.clone()).map(drop))
            .map_err(|e| e.to_string())
            .and_then(|()| bytecode::compile(&mut engine, package))
            .and_then(|program| bytecode::to_bytes(&program));
        match program {
            Ok(bytes) => {
                let path = dir.join(format!("{index}.bin"));
                std::fs::write(&path, bytes).unwrap();
                let hash = bytecode::modules_hash(modules);
                writeln!(
                    code,
                    "    ({package:?}, {hash:?}, include_bytes!({:?})),",
                    path.display().to_string()
                )
                .unwrap();
            }
            Err(e) => println!("cargo:warning=no bytecode for {package}: {e}"),
        }
    }
    code + "];\n"
}
