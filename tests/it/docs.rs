//! docs/rules.md and src/evaluate/builtin_metadata.json are generated from the
//! policies' metadata; these fail when they are stale. Regenerate with `OPSGATE_BLESS=1 cargo test --test docs`
//! (or `opsgate rules --format markdown > docs/rules.md`).

use opsgate::evaluate::{PolicyOptions, PolicySet};

#[test]
fn rule_reference_is_current() {
    let set = PolicySet::load(&PolicyOptions {
        builtins: true,
        ..Default::default()
    });
    let generated = opsgate::report::rules::markdown(&set.rules);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
    if std::env::var_os("OPSGATE_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == generated,
        "docs/rules.md is stale: run `OPSGATE_BLESS=1 cargo test --test docs` and commit it"
    );
    for r in &set.rules {
        assert!(current.contains(&format!("## {}", r.meta.id)));
    }
}

/// The built-in rules' metadata table (src/evaluate/builtin_metadata.json), which
/// spares each run evaluating every rule's `metadata`, matches the policies.
#[test]
fn builtin_metadata_table_is_current() {
    let generated = opsgate::evaluate::builtin_metadata_table();
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/evaluate/builtin_metadata.json");
    if std::env::var_os("OPSGATE_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == generated,
        "src/evaluate/builtin_metadata.json is stale: run `OPSGATE_BLESS=1 cargo test --test docs` and commit it"
    );
    let set = PolicySet::load(&PolicyOptions {
        builtins: true,
        ..Default::default()
    });
    let table: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&current).unwrap();
    assert_eq!(
        table.len(),
        set.rules.iter().filter(|r| r.engine.is_some()).count()
    );
}
