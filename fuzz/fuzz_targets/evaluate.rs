//! Generated Terraform modules and CloudFormation templates (fuzz/evaluate_gen.rs)
//! through load and normalise with small evaluation budgets, so that the caps are
//! reached often: never panics, and the policy input stays within what the budgets
//! allow (a value that escaped its budget would show here as a huge input).
#![no_main]

use libfuzzer_sys::fuzz_target;

mod gen {
    include!("../evaluate_gen.rs");
}

fuzz_target!(|data: &[u8]| {
    use opsgate::discover::{Candidate, Roots};
    use opsgate::load::Limits;
    use opsgate::normalise::terraform::{self, Loader};
    use opsgate::scan::{load_unit, Loaded};

    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let limits = Limits {
        max_value_bytes: 64 << 10,
        max_value_items: 5_000,
        max_eval_bytes: 1 << 20,
        max_eval_steps: 50_000,
        max_module_depth: 6,
        max_module_instances: 40,
        ..Limits::default()
    };
    let dir = tempfile::tempdir().expect("a temp dir");
    let root = dir.path();
    let mut g = gen::Gen::new(rest);
    let (json, text_len) = if kind % 2 == 0 {
        let files = gen::terraform(&mut g);
        let mut len = 0;
        for (path, text) in &files {
            let p = root.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).expect("mkdir");
            std::fs::write(p, text).expect("write");
            len += text.len();
        }
        let loader = Loader::new(limits, Roots::of(&[root.to_path_buf()]));
        let (unit, _errors) = terraform::normalise(root, &loader, &Default::default());
        (
            serde_json::to_string(&unit.input).expect("input serialises"),
            len,
        )
    } else {
        let text = gen::cloudformation(&mut g);
        let path = root.join("t.json");
        std::fs::write(&path, &text).expect("write");
        let loader = Loader::new(limits, Roots::of(&[root.to_path_buf()]));
        let c = Candidate {
            display: "t.json".into(),
            path,
        };
        match load_unit(&c, &loader, &[]) {
            Loaded::Unit(unit, _) => (
                serde_json::to_string(&unit.input).expect("input serialises"),
                text.len(),
            ),
            _ => return,
        }
    };
    // Everything evaluation builds or copies is charged (a JSON byte is at most six
    // bytes of a string); resources, instances and source text add what is linear in
    // the input.
    let bound = 8 * limits.max_eval_bytes as usize + 64 * text_len * limits.max_module_instances;
    assert!(
        json.len() <= bound,
        "policy input of {} bytes from {} bytes of source",
        json.len(),
        text_len
    );
});
