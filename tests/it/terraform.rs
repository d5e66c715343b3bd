//! Terraform into the resource graph: values, variables files, modules, providers,
//! edges, and which directories become units.

use std::path::{Path, PathBuf};

use opsgate::normalise::terraform::{normalise, Loader, TerraformOptions};
use serde_json::{json, Value as J};

fn input(dir: &str, var_files: &[&str]) -> (J, Vec<String>) {
    let options = TerraformOptions {
        var_files: var_files.iter().map(PathBuf::from).collect(),
    };
    let (unit, errors) = normalise(Path::new(dir), &Loader::default(), &options);
    assert!(errors.is_empty(), "{errors:?}");
    (unit.input, unit.notes)
}

const VALUES: &str = "tests/data/terraform/values";

#[test]
fn variables_come_from_defaults_tfvars_auto_tfvars_and_var_files_in_that_order() {
    let (i, _) = input(VALUES, &["tests/data/terraform/values/extra.tfvars"]);
    assert_eq!(
        i["variables"],
        json!({"a": "tfvars-a", "b": "auto-b", "c": "cli-c", "unset": {"$unknown": "var.unset"}})
    );
    let (i, _) = input(VALUES, &[]);
    assert_eq!(i["variables"]["c"], "default-c");
}

#[test]
fn locals_templates_functions_and_conditionals_are_evaluated() {
    let (i, _) = input(VALUES, &[]);
    let main = &i["resources"]["aws_sqs_queue.main"];
    assert_eq!(main["properties"]["name"], "TFVARS-A-AUTO-B");
    assert_eq!(main["properties"]["message_retention_seconds"], 1800);
    assert_eq!(
        main["properties"]["visibility_timeout_seconds"],
        json!({"$unknown": "var.unset"})
    );
    assert_eq!(
        main["properties"]["delay_seconds"],
        json!({"$unknown": "var.unset == \"x\" ? 1 : 2"})
    );
    // jsonencode keeps the known structure; the reference stays an edge
    let redrive: J =
        serde_json::from_str(main["properties"]["redrive_policy"].as_str().unwrap()).unwrap();
    assert_eq!(
        redrive,
        json!({"deadLetterTargetArn": {"$unknown": "aws_sqs_queue.dlq.arn"}, "maxReceiveCount": 3})
    );
    // a cycle between locals is unknown, not a hang
    assert!(i["resources"]["aws_sqs_queue.loop"]["properties"]["name"]["$unknown"].is_string());
}

#[test]
fn tags_merge_over_the_providers_default_tags() {
    let (i, _) = input(VALUES, &[]);
    assert_eq!(
        i["resources"]["aws_sqs_queue.main"]["tags"],
        json!({"Owner": "platform", "Team": "x"})
    );
    // unknown resource tags make the merged tags unknown
    assert!(i["resources"]["aws_sqs_queue.dlq"]["tags"]["$unknown"].is_string());
    assert_eq!(
        i["resources"]["aws_sqs_queue.dlq"]["meta"]["provider"],
        "aws.west"
    );
}

#[test]
fn meta_arguments_and_blocks() {
    let (i, notes) = input(VALUES, &[]);
    // for_each over a known set: one resource per instance, `each` bound
    let per_key = &i["resources"]["aws_sqs_queue.per_key[\"b\"]"];
    assert_eq!(per_key["meta"]["key"], "b");
    assert!(per_key["meta"].get("for_each").is_none());
    assert!(i["resources"]["aws_sqs_queue.per_key[\"a\"]"].is_object());
    assert!(i["resources"].get("aws_sqs_queue.per_key").is_none());
    assert_eq!(
        per_key["meta"]["lifecycle"],
        json!({"prevent_destroy": true})
    );
    assert_eq!(per_key["properties"]["timeouts"], json!([{}]));
    assert_eq!(per_key["line"], 64);
    // count known to be 0: the resource does not exist
    assert!(i["resources"].get("aws_sqs_queue.gone").is_none());
    assert!(
        notes.iter().any(|n| n.contains("aws_sqs_queue.gone")),
        "{notes:?}"
    );
    // data sources are inputs
    assert_eq!(
        i["data"]["data.aws_caller_identity.me"]["type"],
        "aws_caller_identity"
    );
    assert!(i["resources"].get("data.aws_caller_identity.me").is_none());
}

#[test]
fn dynamic_blocks_expand_over_known_collections() {
    let (i, _) = input(VALUES, &[]);
    let svc = &i["resources"]["aws_ecs_service.dyn"];
    assert_eq!(
        svc["properties"]["load_balancer"],
        json!([
            {"container_name": "api", "container_port": 8080},
            {"container_name": "web", "container_port": 80},
            {"container_name": "static", "container_port": 443}
        ])
    );
    // a static block stays visible beside a dynamic block that cannot be expanded
    assert_eq!(
        svc["properties"]["alarms"],
        json!([{"alarm_names": ["static"]}, {"$unknown": "dynamic \"alarms\" {"}])
    );
    assert_eq!(
        svc["meta"]["lifecycle"],
        json!({"ignore_changes": ["desired_count", "tags"]})
    );
    // the unknown dynamic block still carries the references of its content
    let edges = i["edges"].as_array().unwrap();
    assert!(edges.contains(&json!({"from": "aws_ecs_service.dyn", "to": "aws_sqs_queue.main", "path": ["properties", "alarms", 1], "via": "reference"})));
}

#[test]
fn unknown_text_is_the_expression_as_written_where_it_is_used() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("fn")).unwrap();
    std::fs::write(dir.path().join("main.tf"), "variable \"name\" {}\nmodule \"a\" {\n  source = \"./fn\"\n  function_name = var.name\n}\n").unwrap();
    std::fs::write(
        dir.path().join("fn/main.tf"),
        "variable \"function_name\" {}\nresource \"aws_lambda_function\" \"f\" {\n  function_name = var.function_name\n}\nresource \"aws_cloudwatch_log_group\" \"l\" {\n  name = \"/aws/lambda/${var.function_name}\"\n}\n",
    )
    .unwrap();
    let (unit, errors) = normalise(dir.path(), &Loader::default(), &TerraformOptions::default());
    assert!(errors.is_empty());
    let r = &unit.input["resources"];
    assert_eq!(
        r["module.a.aws_lambda_function.f"]["properties"]["function_name"],
        json!({"$unknown": "var.function_name"})
    );
    assert_eq!(
        r["module.a.aws_cloudwatch_log_group.l"]["properties"]["name"],
        json!({"$unknown": "\"/aws/lambda/${var.function_name}\""})
    );
}

#[test]
fn edges_from_references_depends_on_and_data_sources() {
    let (i, _) = input(VALUES, &[]);
    assert_eq!(
        i["edges"],
        json!([
            {"from": "aws_sqs_queue.main", "to": "aws_sqs_queue.dlq", "path": ["meta", "depends_on"], "via": "depends_on"},
            {"from": "aws_sqs_queue.main", "to": "aws_sqs_queue.dlq", "path": ["properties", "redrive_policy"], "via": "reference"},
            {"from": "aws_sqs_queue.reads_data", "to": "data.aws_caller_identity.me", "path": ["properties", "name"], "via": "reference"},
            {"from": "aws_ecs_service.dyn", "to": "aws_sqs_queue.main", "path": ["properties", "alarms", 1], "via": "reference"},
        ])
    );
}

#[test]
fn local_modules_are_expanded_with_inputs_outputs_and_providers() {
    let (i, notes) = input("tests/data/terraform/modules-app", &[]);
    let queue = &i["resources"]["module.jobs.aws_sqs_queue.this"];
    assert_eq!(queue["properties"]["name"], "jobs");
    assert_eq!(queue["meta"]["module"], "module.jobs");
    assert_eq!(
        queue["file"],
        "tests/data/terraform/modules-app/modules/queue/main.tf"
    );
    // `providers = { aws = aws.eu }` passes the aliased provider's default tags
    assert_eq!(queue["tags"], json!({"Owner": "orders"}));
    let nested = &i["resources"]["module.jobs.module.nested.aws_sns_topic.alerts"];
    assert_eq!(nested["tags"], json!({"Owner": "orders"}));
    // edges cross module boundaries, through inputs and outputs
    assert_eq!(
        i["edges"],
        json!([
            {"from": "aws_cloudwatch_metric_alarm.jobs_depth", "to": "module.jobs.aws_sqs_queue.this", "path": ["properties", "dimensions", "QueueName"], "via": "reference"},
            {"from": "module.jobs.module.nested.aws_sns_topic.alerts", "to": "module.jobs.aws_sqs_queue.this", "path": ["properties", "policy"], "via": "reference"},
        ])
    );
    assert!(i["resources"]
        .as_object()
        .unwrap()
        .keys()
        .all(|k| !k.starts_with("module.off")));
    assert!(notes.iter().any(|n| n.starts_with("module.remote: module source \"terraform-aws-modules/sqs/aws\" is not available locally")), "{notes:?}");
}

#[test]
fn registry_modules_are_read_from_terraform_init_s_download() {
    let (i, _) = input("tests/data/terraform/registry", &[]);
    assert_eq!(
        i["resources"]["module.vpc.aws_vpc.this"]["properties"]["cidr_block"],
        "10.0.0.0/16"
    );
}

#[test]
fn terraform_json_files() {
    let (i, _) = input("tests/data/terraform/tfjson", &[]);
    let f = &i["resources"]["aws_lambda_function.fn"];
    assert_eq!(f["properties"]["function_name"], "orders-prod");
    assert_eq!(
        f["properties"]["tracing_config"],
        json!([{"mode": "Active"}])
    );
    assert_eq!(f["file"], "tests/data/terraform/tfjson/main.tf.json");
    assert_eq!(f["line"], 5);
}

#[test]
fn a_module_called_by_another_is_scanned_through_its_caller_only() {
    let set = opsgate::evaluate::PolicySet::load(&Default::default());
    let r = opsgate::scan::scan(&[PathBuf::from("tests/data/terraform/modules-app")], &set);
    assert_eq!(
        r.units,
        vec!["tests/data/terraform/modules-app".to_string()]
    );
    // A single staged file stands for its whole module.
    let r = opsgate::scan::scan(
        &[PathBuf::from("tests/data/terraform/values/main.tf")],
        &set,
    );
    assert_eq!(r.units, vec!["tests/data/terraform/values".to_string()]);
    // Six blocks that exist, one of them with two for_each instances.
    assert_eq!(r.stats.resources, 7);
    // A child module scanned on its own is a unit (its caller is not in the scan).
    let r = opsgate::scan::scan(
        &[PathBuf::from(
            "tests/data/terraform/modules-app/modules/queue",
        )],
        &set,
    );
    assert_eq!(
        r.units,
        vec!["tests/data/terraform/modules-app/modules/queue".to_string()]
    );
}

#[test]
fn hcl_errors_are_located_and_the_rest_of_the_module_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.tf"),
        "resource \"aws_sqs_queue\" \"q\" {\n  name = [1,\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("good.tf"),
        "resource \"aws_sns_topic\" \"t\" {\n  name = \"t\"\n}\n",
    )
    .unwrap();
    let (unit, errors) = normalise(dir.path(), &Loader::default(), &TerraformOptions::default());
    assert_eq!(errors.len(), 1);
    assert!(errors[0].0.display.ends_with("bad.tf"));
    assert_eq!(
        errors[0].1.message,
        "invalid HCL: this list `[` is not closed; expected `]` before the `}` on line 3"
    );
    // At the `[` left open; the `}` that does not fit is the related label.
    let at = errors[0].0.position(errors[0].1.span.unwrap().start);
    assert_eq!((at.line, at.column), (2, 10));
    assert!(unit.input["resources"].get("aws_sns_topic.t").is_some());
}

fn plan_unit(path: &str) -> opsgate::normalise::Unit {
    let candidate = opsgate::discover::Candidate {
        display: path.to_string(),
        path: PathBuf::from(path),
    };
    match opsgate::scan::load_unit(&candidate, &Loader::default(), &[]) {
        opsgate::scan::Loaded::Unit(unit, errors) => {
            assert!(errors.is_empty());
            unit
        }
        _ => panic!("{path} is not read as a plan"),
    }
}

#[test]
fn plans_have_known_values_unknowns_after_apply_and_configuration_edges() {
    let unit = plan_unit("tests/data/terraform/plan-only/plan.json");
    let i = &unit.input;
    assert_eq!(i["format"], "terraform-plan");
    let charge = &i["resources"]["aws_lambda_function.charge"];
    assert_eq!(charge["properties"]["runtime"], "python3.8");
    assert_eq!(
        charge["properties"]["role"],
        json!({"$unknown": "known after apply"})
    );
    // not configured and computed by the provider: absent (the default), not unknown
    assert!(charge["properties"].get("tracing_config").is_none());
    assert!(i["resources"]
        .get("module.jobs.aws_lambda_function.this")
        .is_some());
    let edges = i["edges"].as_array().unwrap();
    assert!(edges.contains(&json!({"from": "aws_lambda_function.charge", "to": "aws_iam_role.lambda", "path": ["properties", "role"], "via": "reference"})));
    // through a module input (`role = var.role` in the child, `aws_iam_role.lambda.arn` in the call)
    assert!(edges.contains(&json!({"from": "module.jobs.aws_lambda_function.this", "to": "aws_iam_role.lambda", "path": ["properties", "role"], "via": "reference"})));
    // Without configuration beside it, a resource is found in the plan file.
    assert_eq!(charge["file"], "tests/data/terraform/plan-only/plan.json");
    assert_eq!(charge["line"], 183);
}

#[test]
fn a_plan_next_to_its_configuration_points_at_the_tf_blocks() {
    let unit = plan_unit("tests/data/terraform/plan-with-config/plan.json");
    let i = &unit.input;
    let charge = &i["resources"]["aws_lambda_function.charge"];
    assert_eq!(
        charge["file"],
        "tests/data/terraform/plan-with-config/main.tf"
    );
    assert_eq!(charge["line"], 10);
    let jobs = &i["resources"]["module.jobs.aws_lambda_function.this"];
    assert_eq!(
        jobs["file"],
        "tests/data/terraform/plan-with-config/modules/fn/main.tf"
    );
    assert_eq!(jobs["line"], 3);
    // a value's span is the attribute in the .tf file
    let res = &unit.resources["aws_lambda_function.charge"];
    let span = opsgate::locate::locate(res, &[json!("properties"), json!("runtime")]);
    assert_eq!(res.file.position(span.start).line, 13);
}

#[test]
fn plan_edges_follow_module_outputs() {
    let unit = plan_unit("tests/data/terraform/plan-module-output/plan.json");
    assert_eq!(
        unit.input["edges"],
        json!([{"from": "aws_cloudwatch_metric_alarm.errors", "to": "module.fn.aws_lambda_function.this", "path": ["properties", "dimensions"], "via": "reference"}])
    );
}

/// `files` written under a new temporary directory (with `.git`, a repository root).
fn repository(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    dir
}

/// (unit, resource) of each finding.
type Found = Vec<(String, String)>;
/// (file, line, message) of each error.
type Errors = Vec<(String, usize, String)>;

/// What a scan found and its errors, the paths relative to `root`.
fn outcome(r: &opsgate::scan::ScanResult, root: &Path) -> (Found, Errors) {
    let rel = |p: &str| {
        Path::new(p)
            .strip_prefix(root)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| p.to_string())
    };
    let mut found: Vec<(String, String)> = r
        .findings
        .iter()
        .map(|f| (rel(&f.unit), f.resource.to_string()))
        .collect();
    found.sort();
    found.dedup();
    let errors = r
        .errors
        .iter()
        .map(|e| {
            (
                rel(&e.file),
                e.position().map_or(0, |p| p.0),
                e.message.clone(),
            )
        })
        .collect();
    (found, errors)
}

fn builtin_policies() -> opsgate::evaluate::PolicySet {
    opsgate::evaluate::PolicySet::load(&opsgate::evaluate::PolicyOptions {
        builtins: true,
        today: "2026-11-25".into(),
        ..Default::default()
    })
}

const QUEUE_NAMED: &str = "resource \"aws_sqs_queue\" \"q\" {\n  name = \"q\"\n}\n";

/// A module that calls itself stays a root: its resources are checked once, and the
/// call is a located error (exit 2), as `terraform init` rejects it.
#[test]
fn a_module_that_calls_itself_stays_a_root_with_a_located_error() {
    let repo = repository(&[
        (
            "self/main.tf",
            &format!("module \"me\" {{\n  source = \"./\"\n}}\n\n{QUEUE_NAMED}"),
        ),
        ("other/main.tf", QUEUE_NAMED),
    ]);
    let set = builtin_policies();
    let r = opsgate::scan::scan(&[repo.path().to_path_buf()], &set);
    let (found, errors) = outcome(&r, repo.path());
    let units: Vec<&str> = found.iter().map(|(u, _)| u.as_str()).collect();
    assert_eq!(units, ["other", "self"], "{found:?}");
    assert_eq!(found[1].1, "aws_sqs_queue.q");
    assert_eq!(errors.len(), 1, "{errors:?}");
    let (file, line, message) = &errors[0];
    assert_eq!((file.as_str(), *line), ("self/main.tf", 2));
    assert!(
        message.starts_with("module \"me\" calls the module it is in (source `./`)"),
        "{message}"
    );
    assert_eq!(r.errors[0].position(), Some((2, 12)));
}

/// `a` -> `b` -> `a`: the cycle is checked once, through its first module, with a
/// located error on the call that closes it; a staged file of `b` is checked
/// through `a`, as in the full scan; the other units are scanned.
#[test]
fn a_cycle_of_module_calls_is_checked_once_through_its_first_module() {
    let call = |to: &str, queue: &str| {
        format!("module \"{to}\" {{\n  source = \"../{to}\"\n}}\n\nresource \"aws_sqs_queue\" \"{queue}\" {{\n  name = \"{queue}\"\n}}\n")
    };
    let repo = repository(&[
        ("a/main.tf", &call("b", "qa")),
        ("b/main.tf", &call("a", "qb")),
        ("other/main.tf", QUEUE_NAMED),
    ]);
    let set = builtin_policies();
    let full = opsgate::scan::scan(&[repo.path().to_path_buf()], &set);
    let (found, errors) = outcome(&full, repo.path());
    let expected = [
        ("a", "aws_sqs_queue.qa"),
        ("a", "module.b.aws_sqs_queue.qb"),
        ("other", "aws_sqs_queue.q"),
    ]
    .map(|(u, r)| (u.to_string(), r.to_string()));
    assert_eq!(found, expected);
    assert_eq!(errors.len(), 1, "{errors:?}");
    let (file, line, message) = &errors[0];
    assert_eq!((file.as_str(), *line), ("b/main.tf", 2));
    assert!(
        message.contains("closes a cycle of module calls"),
        "{message}"
    );
    let a = repo.path().join("a").canonicalize().unwrap();
    let b = repo.path().join("b").canonicalize().unwrap();
    let cycle = format!("({0} -> {1} -> {0})", a.display(), b.display());
    assert!(message.contains(&cycle), "{message}");

    // Staged: b's file is checked through a; the same fingerprints as the full scan.
    let staged = opsgate::scan::scan(&[repo.path().join("b/main.tf")], &set);
    let of_b = |r: &opsgate::scan::ScanResult| -> Vec<String> {
        let mut f: Vec<String> = r
            .findings
            .iter()
            .filter(|f| f.resource.contains("qb"))
            .map(|f| f.fingerprint.to_string())
            .collect();
        f.sort();
        f
    };
    assert!(!of_b(&full).is_empty());
    assert_eq!(of_b(&staged), of_b(&full));
}

/// Terraform's pure functions beyond the common ones, through the evaluator:
/// their values reach the resources (each function's cases: functions.rs).
#[test]
fn more_of_terraform_s_functions_are_evaluated() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        r#"locals {
  subnets = [for i in range(2) : cidrsubnet("10.0.0.0/16", 8, i)]
  env     = regex("^(?P<env>[a-z]+)-", "prod-orders")["env"]
  days    = sum([7, 7, 16])
  names   = formatlist("%s-%s", local.env, ["a", "b"])
  tags    = zipmap(["Owner", "Env"], ["team", title(local.env)])
  ok      = can(regex("^prod", local.env))
}

resource "aws_cloudwatch_log_group" "this" {
  name              = join(",", setunion(local.names, local.subnets))
  retention_in_days = local.days
  tags              = local.tags
  skip_destroy      = alltrue([local.ok, anytrue([false, true])])
  kms_key_id        = base64encode(trimprefix("x-key", "x-"))
}
"#,
    )
    .unwrap();
    let options = TerraformOptions::default();
    let (unit, errors) = normalise(dir.path(), &Loader::default(), &options);
    assert!(errors.is_empty(), "{errors:?}");
    let r = &unit.input["resources"]["aws_cloudwatch_log_group.this"];
    assert_eq!(
        r["properties"],
        json!({
            "name": "prod-a,prod-b,10.0.0.0/24,10.0.1.0/24",
            "retention_in_days": 30,
            "tags": {"Env": "Prod", "Owner": "team"},
            "skip_destroy": true,
            "kms_key_id": "a2V5",
        })
    );
}

/// `terraform.workspace` is "default"; `path.module` is the module's folder from the
/// root module's, `path.root` is "."; `path.cwd` stays unknown.
#[test]
fn workspace_and_module_paths() {
    let repo = repository(&[
        (
            "root/main.tf",
            "module \"logs\" {\n  source = \"../modules/logs\"\n}\n\nresource \"aws_sqs_queue\" \"q\" {\n  name = \"${terraform.workspace}-${path.module}-${path.root}\"\n  policy = path.cwd\n}\n",
        ),
        (
            "modules/logs/main.tf",
            "resource \"aws_cloudwatch_log_group\" \"g\" {\n  name = \"${path.module}/${terraform.workspace}\"\n}\n",
        ),
    ]);
    let options = TerraformOptions::default();
    let (unit, errors) = normalise(&repo.path().join("root"), &Loader::default(), &options);
    assert!(errors.is_empty(), "{errors:?}");
    let r = &unit.input["resources"];
    assert_eq!(r["aws_sqs_queue.q"]["properties"]["name"], "default-.-.");
    assert!(r["aws_sqs_queue.q"]["properties"]["policy"]
        .get("$unknown")
        .is_some());
    assert_eq!(
        r["module.logs.aws_cloudwatch_log_group.g"]["properties"]["name"],
        "../modules/logs/default"
    );
}

/// `{for … : key => value...}` groups the values of one key into a list.
#[test]
fn for_expressions_with_grouping() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "locals {\n  by_team = { for q in [\"a:ops\", \"b:dev\", \"c:ops\"] : split(\":\", q)[1] => split(\":\", q)[0]... }\n}\n\nresource \"aws_sqs_queue\" \"q\" {\n  name = join(\",\", local.by_team[\"ops\"])\n  tags = { Dev = join(\",\", local.by_team.dev) }\n}\n",
    )
    .unwrap();
    let (unit, errors) = normalise(dir.path(), &Loader::default(), &TerraformOptions::default());
    assert!(errors.is_empty(), "{errors:?}");
    let q = &unit.input["resources"]["aws_sqs_queue.q"];
    assert_eq!(q["properties"]["name"], "a,c");
    assert_eq!(q["tags"], json!({"Dev": "b"}));
}
