//! The built-in rules run as regorus bytecode (RVM); their fixtures were written
//! against the interpreter. Each case here is a construct on which the bytecode
//! compiler or VM differed from the interpreter until opsgate patched it
//! (vendor/regorus/PATCHES.md): both must give the expected value.

use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::RegoVM;
use regorus::{Engine, Value};

/// (interpreter, bytecode) values of `data.t.r`.
fn both(policy: &str, input: &str) -> (Value, Value) {
    let mut engine = Engine::new();
    engine.set_rego_v0(false);
    engine
        .add_policy("t.rego".into(), policy.into())
        .expect("parses");
    let input = Value::from_json_str(input).expect("json");
    engine.set_input(input.clone());
    let interpreted = engine.eval_rule("data.t.r".into()).expect("interpreter");
    let entry: std::sync::Arc<str> = "data.t.r".into();
    let compiled = engine.compile_with_entrypoint(&entry).expect("compiles");
    let program = Compiler::compile_from_policy(&compiled, &[&entry]).expect("bytecode");
    let mut vm = RegoVM::new();
    vm.load_program(program);
    vm.set_max_instructions(usize::MAX);
    vm.set_data(engine.get_data()).expect("data");
    vm.set_input(input);
    let executed = vm.execute_entry_point_by_index(0).expect("vm");
    (interpreted, executed)
}

/// `expected` is JSON (sets as arrays), or `undefined`.
fn assert_both(policy: &str, input: &str, expected: &str) {
    let (interpreted, executed) = both(policy, input);
    let json = |v: &Value| match v {
        Value::Undefined => serde_json::Value::String("undefined".into()),
        v => serde_json::to_value(v).expect("serialises"),
    };
    let expected: serde_json::Value = match expected {
        "undefined" => serde_json::Value::String("undefined".into()),
        text => serde_json::from_str(text).expect("json"),
    };
    assert_eq!(json(&interpreted), expected, "interpreter on\n{policy}");
    assert_eq!(json(&executed), expected, "bytecode on\n{policy}");
}

const EDGES: &str = r#"{"edges": [{"from": "p", "to": "b", "path": ["A"]}, {"from": "q", "to": "b", "path": ["B"]}],
    "resources": {"p": {"type": "P"}, "q": {"type": "Q"}, "b": {"type": "B"}}}"#;

/// `a[k] contains v` is an object of sets (the compiler made it one flat set).
#[test]
fn a_multi_value_rule_is_an_object_of_sets() {
    assert_both(
        "package t\nedges_to[to] contains e.from if {\n\tsome e in input.edges\n\tto := e.to\n}\nr := edges_to",
        EDGES,
        r#"{"b": ["p", "q"]}"#,
    );
    // Its members may be any term, here pairs.
    assert_both(
        "package t\nnames[t] contains [a, t] if {\n\tsome a, res in input.resources\n\tt := res.type\n}\nr := object.get(names, \"P\", set())",
        EDGES,
        r#"[["p", "P"]]"#,
    );
    // Iterating it yields key and set.
    assert_both(
        "package t\nedges_to[to] contains e if {\n\tsome e in input.edges\n\tto := e.to\n}\nr contains to if {\n\tsome to, edges in edges_to\n\tsome e in edges\n\te.path[0] == \"A\"\n}",
        EDGES,
        r#"["b"]"#,
    );
}

/// A function body whose loop finds nothing has failed: its `else` runs (the VM
/// returned undefined).
#[test]
fn else_runs_after_a_body_whose_loop_found_nothing() {
    assert_both(
        "package t\nf(x) := \"a\" if {\n\tsome q in [x]\n\tq == 1\n} else := \"c\"\nr := [f(1), f(3)]",
        "{}",
        r#"["a", "c"]"#,
    );
    assert_both(
        "package t\nok if {\n\tsome q in input.xs\n\tq > 5\n} else := false\nr := ok",
        r#"{"xs": [1, 2]}"#,
        "false",
    );
}

/// `x := undefined` fails the body (the VM went on with x undefined, and a later
/// `not` turned that into success).
#[test]
fn assigning_an_undefined_value_fails_the_body() {
    assert_both(
        "package t\nu(v) := v.text if is_object(v)\nm(a) if {\n\ttext := u(a)\n\tnot contains(text, \"x\")\n}\nr := [a | some a in [\"s\", {\"text\": \"y\"}]; m(a)]",
        "{}",
        r#"[{"text": "y"}]"#,
    );
}

/// The variable of `every` is bound in its body (the compiler took `x[var]` in the
/// body for an iteration over x, so `every` held when any element matched).
#[test]
fn every_binds_its_variable_in_the_body() {
    let policy = "package t\nr if {\n\tevery name in [\"a\", \"b\"] {\n\t\tinput.kinds[name] == \"ok\"\n\t}\n}";
    assert_both(policy, r#"{"kinds": {"a": "ok", "b": "bad"}}"#, "undefined");
    assert_both(policy, r#"{"kinds": {"a": "ok", "b": "ok"}}"#, "true");
}
