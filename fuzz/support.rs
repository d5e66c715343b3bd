// Shared by the `normalise` fuzz target and tests/it/fuzz_regressions.rs: one input
// through load and normalise, as a scan does it.

/// The first byte picks the kind of input, the rest is the file's bytes.
pub fn normalise_one(data: &[u8]) {
    use std::sync::Arc;

    use opsgate::discover::Candidate;
    use opsgate::normalise::terraform::{self, Loader};
    use opsgate::scan::{load_unit, Loaded};

    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    thread_local! {
        static DIR: tempfile::TempDir = tempfile::tempdir().expect("a temp dir");
    }
    DIR.with(|dir| {
        let root = dir.path();
        match kind % 4 {
            // CloudFormation (YAML by content) and plans or templates in JSON.
            0 | 1 => {
                let name = if kind % 4 == 0 { "t.yaml" } else { "t.json" };
                let path = root.join(name);
                std::fs::write(&path, rest).expect("write");
                let c = Candidate {
                    display: name.into(),
                    path,
                };
                if let Loaded::Unit(unit, _) = load_unit(&c, &Loader::default(), &[]) {
                    let _ = serde_json::to_string(&unit.input).expect("input serialises");
                    for r in unit.resources.values() {
                        let _ = Arc::clone(&r.file).position(r.name_span.start);
                    }
                }
            }
            // A Terraform module: main.tf or main.tf.json.
            _ => {
                for f in ["main.tf", "main.tf.json"] {
                    let _ = std::fs::remove_file(root.join(f));
                }
                let name = if kind % 4 == 2 { "main.tf" } else { "main.tf.json" };
                std::fs::write(root.join(name), rest).expect("write");
                let (unit, _errors) =
                    terraform::normalise(root, &Loader::default(), &Default::default());
                let _ = serde_json::to_string(&unit.input).expect("input serialises");
            }
        }
    });
}
