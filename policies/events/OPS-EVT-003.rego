# OPS-EVT-003: every CloudWatch alarm announces its recovery (OK actions).
#
# An alarm passes when it has at least one OKActions / ok_actions entry (metric and
# composite alarms, CloudFormation and Terraform). Without one, whoever was paged when it
# went into ALARM never hears that it is over. Alarms with ActionsEnabled /
# actions_enabled false, or without any AlarmActions / alarm_actions, are left to
# OPS-EVT-001 (which reports them, high severity): nobody was alerted, so there is no
# recovery to announce until that is fixed.
#
# Alarms another resource acts on are exempt, decided exactly as OPS-EVT-001 does (the
# logic is repeated here, not shared, so that each rule stays self-contained): a
# composite alarm's AlarmRule / alarm_rule (by reference edge or literal name or ARN), a
# CodeDeploy deployment group's alarm configuration, an ECS service's deployment alarms
# and a SAM function's DeploymentPreference.Alarms. Those alarms notify nobody
# themselves, so they have no recovery to announce.
#
# Unknown values (parameters without a default, Fn::If, `var.ok_actions` without a
# value, data sources, other resources' attributes) never fail.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent. Joins follow the edges from the
# configuration's references, as in Terraform configuration.
package opsgate.rules.evt_003

import data.opsgate.graph
import data.opsgate.lib
import data.opsgate.types

metadata := {
	"id": "OPS-EVT-003",
	"title": "Alarms announce recovery",
	"severity": "low",
	"area": "Operate",
	"section": "Responding to Events",
	"best_practice": "Enable push notifications",
	"description": concat(" ", [
		"An alarm that notifies on ALARM but not on OK leaves responders guessing whether",
		"the problem is over: they keep investigating, or close the incident too early.",
		"Send the OK transition to the same destination (OKActions / ok_actions) so the",
		"recovery is pushed to the people and tools that were alerted. Alarms that only",
		"feed a composite alarm or guard a deployment are exempt: they notify nobody.",
	]),
	"remediation": {
		"cloudformation": concat(" ", [
			"Add the alarm's notification target to OKActions as well, for example",
			"`OKActions: [!Ref OnCallTopic]` next to `AlarmActions: [!Ref OnCallTopic]`.",
		]),
		"terraform": concat(" ", [
			"Set `ok_actions = [aws_sns_topic.on_call.arn]` on the aws_cloudwatch_metric_alarm",
			"or aws_cloudwatch_composite_alarm, next to its alarm_actions.",
		]),
	},
	"config_rule": null,
	"kinds": [
		"aws_cloudwatch_metric_alarm",
		"aws_cloudwatch_composite_alarm",
		"aws_codedeploy_deployment_group",
		"aws_ecs_service",
		"aws_lambda_function",
	],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

alarm_kinds := ["aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm"]

alarm_types := ["AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"]

# Property names in the unit's format.
names := {
	"actions": "OKActions", "enabled": "ActionsEnabled", "alarm_actions": "AlarmActions",
	"name": "AlarmName", "rule": "AlarmRule",
} if lib.is_cloudformation

names := {
	"actions": "ok_actions", "enabled": "actions_enabled", "alarm_actions": "alarm_actions",
	"name": "alarm_name", "rule": "alarm_rule",
} if lib.is_terraform

# Where a resource of each type refers to alarms whose state it acts on.
consumer_paths := {
	"AWS::CloudWatch::CompositeAlarm": [["properties", "AlarmRule"]],
	"AWS::CodeDeploy::DeploymentGroup": [["properties", "AlarmConfiguration", "Alarms"]],
	"AWS::ECS::Service": [["properties", "DeploymentConfiguration", "Alarms"]],
	"AWS::Serverless::Function": [["properties", "DeploymentPreference", "Alarms"]],
} if lib.is_cloudformation

# Terraform: nested blocks are lists, so "*" stands for any block index. An edge that
# stops at a shorter path (a whole block or list from one unknown expression) counts.
consumer_paths := {
	"aws_cloudwatch_composite_alarm": [["properties", "alarm_rule"]],
	"aws_codedeploy_deployment_group": [["properties", "alarm_configuration", "*", "alarms"]],
	"aws_ecs_service": [["properties", "alarms", "*", "alarm_names"]],
} if lib.is_terraform

# Path `path` lies below (or, cut short by an unknown value, on the way to) `pattern`.
on_pattern(path, pattern) if {
	n := min([count(path), count(pattern)])
	n >= 2
	every i in numbers.range(0, n - 1) {
		segment_matches(path[i], pattern[i])
	}
}

segment_matches(_, "*") := true

segment_matches(seg, want) if {
	want != "*"
	seg == want
}

# Alarms another resource refers to where it acts on their state (Ref, Fn::GetAtt,
# Fn::Sub; Terraform references, also through module inputs and outputs).
# Only the edges of the consumer types are visited (through the indexes), not all.
consumed contains e.to if {
	some t, prefixes in consumer_paths
	some from in object.get(types.by_type, t, set())
	some e in object.get(graph.edges_from, from, set())
	not e.via in {"DependsOn", "depends_on"}
	some prefix in prefixes
	on_pattern(e.path, prefix)
}

# Alarms a composite alarm names literally: ALARM("name"), OK(name), or by ARN.
consumed contains a.address if {
	some a in lib.resources_of(alarm_kinds, alarm_types)
	name := lib.get(a, ["properties", names.name])
	is_string(name)
	name in rule_names
}

# Terraform: alarms a deployment group or an ECS service names literally.
consumed contains a.address if {
	lib.is_terraform
	some a in lib.resources_of(alarm_kinds, [])
	name := lib.get(a, ["properties", names.name])
	is_string(name)
	name in deployment_alarm_names
}

deployment_alarm_names contains name if {
	lib.is_terraform
	some g in lib.resources("aws_codedeploy_deployment_group")
	some block in list_or_empty(lib.get(g, ["properties", "alarm_configuration"]))
	some name in list_or_empty(object.get(block, "alarms", []))
	is_string(name)
}

deployment_alarm_names contains name if {
	lib.is_terraform
	some s in lib.resources("aws_ecs_service")
	some block in list_or_empty(lib.get(s, ["properties", "alarms"]))
	some name in list_or_empty(object.get(block, "alarm_names", []))
	is_string(name)
}

list_or_empty(v) := v if is_array(v)

list_or_empty(v) := [] if not is_array(v)

# Names in composite alarm rules.
rule_names contains name if {
	some c in lib.resources_of(["aws_cloudwatch_composite_alarm"], ["AWS::CloudWatch::CompositeAlarm"])
	rule := rule_text(lib.get(c, ["properties", names.rule]))
	some m in regex.find_all_string_submatch_n(`(?:ALARM|OK|INSUFFICIENT_DATA)\([ \t\r\n]*"?([^")]+?)"?[ \t\r\n]*\)`, rule, -1)
	some name in alarm_ref_names(m[1])
}

# The text of an alarm rule; for a rule built with Fn::Sub or Fn::Join around references
# (or a Terraform template around an unknown part), its source text, whose literal alarm
# names are still names. Quotes escaped in the source text (`ALARM(\"name\")`) count.
rule_text(rule) := rule if is_string(rule)

rule_text(rule) := replace(rule["$unknown"], `\"`, `"`) if lib.is_unknown(rule)

# An alarm reference in a rule: the name itself, and the name inside an alarm ARN.
alarm_ref_names(ref) := {ref, name} if {
	parts := split(ref, ":alarm:")
	count(parts) == 2
	name := parts[1]
} else := {ref}

checked_alarms := [a |
	some a in lib.resources_of(alarm_kinds, alarm_types)
	not a.address in consumed
]

actions_disabled(a) if lib.is_false(lib.get(a, ["properties", names.enabled]))

findings contains f if {
	some a in checked_alarms
	not actions_disabled(a)
	not lib.is_empty(lib.get(a, ["properties", names.alarm_actions]))
	actions := lib.get(a, ["properties", names.actions])
	lib.is_empty(actions)
	f := object.union(
		lib.finding(a, ["properties", names.actions], sprintf(
			"alarm %s has %s: nobody is told when it returns to OK",
			[a.address, no_actions_text(actions)],
		)),
		{"fix": fix(a)},
	)
}

no_actions_text(null) := sprintf("no %s", [names.actions])

no_actions_text(v) := sprintf("an empty %s list", [names.actions]) if v != null

fix(a) := sprintf("Add the alarm's notification target to OKActions of %s, e.g. `OKActions: [!Ref OnCallTopic]`.", [a.address]) if {
	lib.is_cloudformation
}

fix(a) := sprintf(
	"Add the alarm's notification target to ok_actions of %s, e.g. `ok_actions = [aws_sns_topic.on_call.arn]`.",
	[a.address],
) if lib.is_terraform
