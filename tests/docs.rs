//! docs/rules.md is generated from the policies' metadata; this fails when it is
//! stale. Regenerate with `OPSGATE_BLESS=1 cargo test --test docs`
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
