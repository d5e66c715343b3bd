//! What a finding says and how to fix it, where the rule words them for the resource
//! found: SAM's implicit APIs (the event that creates them, the Globals section that
//! configures them), OPS-EVT-001's empty action strings and OPS-DEP-002's help for
//! the one resource type found.

use std::path::PathBuf;

use opsgate::evaluate::{PolicyOptions, PolicySet};

/// (resource, line, message, fix) of `rule`'s findings in `path`, in report order.
fn findings(rule: &str, path: &str) -> Vec<(String, usize, String, String)> {
    let set = PolicySet::load(&PolicyOptions {
        today: "2026-11-25".into(),
        builtins: true,
        ..Default::default()
    });
    assert!(set.errors.is_empty(), "{:?}", set.errors);
    let result = opsgate::scan::scan(&[PathBuf::from(path)], &set);
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    result
        .findings
        .iter()
        .filter(|f| &*f.rule == rule)
        .map(|f| {
            (
                f.resource.to_string(),
                f.start.line,
                f.message.to_string(),
                f.fix.to_string(),
            )
        })
        .collect()
}

fn own(v: &[(&str, usize, &str, &str)]) -> Vec<(String, usize, String, String)> {
    v.iter()
        .map(|(r, l, m, f)| (r.to_string(), *l, m.to_string(), f.to_string()))
        .collect()
}

#[test]
fn the_implicit_rest_api_is_named_by_its_event_and_fixed_under_globals() {
    let path = "examples/orders-service/template.yaml";
    let via = "implicit API ServerlessRestApi (SAM creates it for the Api event Create of OrdersApiFunction)";
    assert_eq!(
        findings("OPS-TEL-003", path),
        own(&[(
            "ServerlessRestApi",
            31,
            &format!("{via} has no AccessLogSetting, so API Gateway writes no access logs for it"),
            "set AccessLogSetting (DestinationArn and Format) under Globals.Api, where SAM's implicit API takes its settings from",
        )])
    );
    assert_eq!(
        findings("OPS-TEL-004", path),
        own(&[(
            "ServerlessRestApi",
            31,
            &format!("{via} does not set TracingEnabled, so API Gateway does not sample requests for X-Ray (passive tracing only)"),
            "set TracingEnabled: true under Globals.Api, where SAM's implicit API takes its settings from",
        )])
    );
    assert_eq!(
        findings("OPS-TEL-005", path),
        own(&[(
            "ServerlessRestApi",
            31,
            &format!("{via} has no MethodSettings, so execution logging stays OFF"),
            "add a MethodSettings entry with ResourcePath \"/*\", HttpMethod \"*\" and LoggingLevel ERROR or INFO under Globals.Api, where SAM's implicit API takes its settings from",
        )])
    );
}

#[test]
fn the_implicit_http_api_points_at_its_globals_and_takes_tags_from_them() {
    assert_eq!(
        findings(
            "OPS-TEL-006",
            "fixtures/policies/OPS-TEL-006/sam-implicit-no-format.yaml"
        ),
        own(&[(
            "ServerlessHttpApi",
            9,
            "implicit API ServerlessHttpApi (SAM creates it for the HttpApi event Post of OrdersFunction) has an AccessLogSettings without a Format; API Gateway needs both DestinationArn and Format to write access logs",
            "set AccessLogSettings (DestinationArn and Format) under Globals.HttpApi, where SAM's implicit API takes its settings from",
        )])
    );
    assert_eq!(
        findings("OPS-ORG-001", "fixtures/policies/OPS-ORG-001/sam-implicit.yaml"),
        own(&[
            (
                "ServerlessRestApi",
                20,
                "ServerlessRestApi lacks the required tag Owner: nobody is identified as its owner",
                "SAM's implicit ServerlessRestApi cannot be tagged in the template (Globals.Api has no Tags): give the stack the tags at deploy time (`sam deploy --tags Owner=...`) and list them in `[cloudformation] stack_tags` of opsgate.toml, or declare an AWS::Serverless::Api with Tags and set RestApiId on the Api events.",
            ),
            (
                "ServerlessHttpApi",
                25,
                "ServerlessHttpApi lacks the required tag Owner: nobody is identified as its owner",
                "Add the missing keys to `Globals.HttpApi.Tags` (for example `Tags: {Owner: team-orders}`), where SAM's implicit ServerlessHttpApi takes its tags from.",
            ),
        ])
    );
}

#[test]
fn an_action_list_of_empty_strings_notifies_nobody() {
    assert_eq!(
        findings("OPS-EVT-001", "fixtures/policies/OPS-EVT-001/empty-strings.yaml"),
        own(&[
            (
                "LiteralEmpty",
                28,
                "alarm LiteralEmpty has only empty strings in AlarmActions ([\"\"]): nobody is notified when it goes into ALARM",
                "Add an action to AlarmActions of LiteralEmpty, e.g. `AlarmActions: [!Ref OnCallTopic]`.",
            ),
            (
                "EmptyParameter",
                43,
                "alarm EmptyParameter has only empty strings in AlarmActions ([\"\",\"  \"]): nobody is notified when it goes into ALARM",
                "Add an action to AlarmActions of EmptyParameter, e.g. `AlarmActions: [!Ref OnCallTopic]`.",
            ),
        ])
    );
    assert_eq!(
        findings(
            "OPS-EVT-001",
            "fixtures/policies/OPS-EVT-001/terraform/empty-strings"
        ),
        own(&[
            (
                "aws_cloudwatch_metric_alarm.errors",
                24,
                "alarm aws_cloudwatch_metric_alarm.errors has only empty strings in alarm_actions ([\"\"]): nobody is notified when it goes into ALARM",
                "Add an action to alarm_actions of aws_cloudwatch_metric_alarm.errors, e.g. `alarm_actions = [aws_sns_topic.on_call.arn]`.",
            ),
            (
                "aws_cloudwatch_composite_alarm.health",
                31,
                "alarm aws_cloudwatch_composite_alarm.health has only empty strings in alarm_actions ([\"\"]): nobody is notified when it goes into ALARM",
                "Add an action to alarm_actions of aws_cloudwatch_composite_alarm.health, e.g. `alarm_actions = [aws_sns_topic.on_call.arn]`.",
            ),
        ])
    );
}

/// (resource, fix) of OPS-DEP-002's findings in `path`.
fn dep_002_fixes(path: &str) -> Vec<(String, String)> {
    findings("OPS-DEP-002", path)
        .into_iter()
        .map(|(r, _, _, fix)| (r, fix))
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(r, f)| (r.to_string(), f.to_string()))
        .collect()
}

#[test]
fn deletion_protection_help_names_the_setting_of_the_type_found() {
    assert_eq!(
        dep_002_fixes("fixtures/policies/OPS-DEP-002/fail.yaml"),
        pairs(&[
            ("OrdersDb", "Set `DeletionProtection: true` on the AWS::RDS::DBInstance OrdersDb."),
            ("InvoicesDb", "Set `DeletionProtection: true` on the AWS::RDS::DBInstance InvoicesDb."),
            ("CatalogCluster", "Set `DeletionProtection: true` on the AWS::RDS::DBCluster CatalogCluster."),
            ("CartsTable", "Set `DeletionProtectionEnabled: true` on the AWS::DynamoDB::Table CartsTable."),
            ("SessionsTable", "Set `DeletionProtectionEnabled: true` on the AWS::DynamoDB::Table SessionsTable."),
            ("CustomersGlobal", "Set `DeletionProtectionEnabled: true` on the replica in eu-central-1 of the AWS::DynamoDB::GlobalTable CustomersGlobal (each replica has its own setting)."),
            ("CustomersGlobal", "Set `DeletionProtectionEnabled: true` on the replica in us-east-1 of the AWS::DynamoDB::GlobalTable CustomersGlobal (each replica has its own setting)."),
        ])
    );
    assert_eq!(
        dep_002_fixes("fixtures/policies/OPS-DEP-002/terraform/fail"),
        pairs(&[
            (
                "aws_db_instance.orders",
                "Set `deletion_protection = true` on aws_db_instance.orders."
            ),
            (
                "aws_db_instance.invoices",
                "Set `deletion_protection = true` on aws_db_instance.invoices."
            ),
            (
                "aws_rds_cluster.catalog",
                "Set `deletion_protection = true` on aws_rds_cluster.catalog."
            ),
            (
                "aws_dynamodb_table.carts",
                "Set `deletion_protection_enabled = true` on aws_dynamodb_table.carts."
            ),
            (
                "aws_dynamodb_table.sessions",
                "Set `deletion_protection_enabled = true` on aws_dynamodb_table.sessions."
            ),
        ])
    );
    // In a child module, the address as the module's own source writes it.
    assert_eq!(
        dep_002_fixes("fixtures/policies/OPS-DEP-002/terraform/module"),
        pairs(&[(
            "module.scratch.aws_dynamodb_table.this",
            "Set `deletion_protection_enabled = true` on aws_dynamodb_table.this."
        )])
    );
}
