# OPS-EVT-001: every CloudWatch alarm notifies someone (or something) when it fires.
#
# An alarm passes when it has at least one AlarmActions entry and ActionsEnabled is not
# false. An action list whose entries are all empty strings (`[""]`, or `[!Ref Topic]`
# / `[var.topic]` whose value is "") names no action and fails like a missing one, at
# its first entry. Unknown values (parameters without a default, Fn::If, Fn::ImportValue, ...)
# never fail. Alarms that another resource acts on are exempt: a composite alarm's
# AlarmRule, a CodeDeploy deployment group's AlarmConfiguration, an ECS service's
# deployment alarms and a SAM function's DeploymentPreference.Alarms all watch their
# alarms' state, so those alarms need no actions of their own (AWS recommends exactly
# this to reduce alarm noise with composite alarms).
#
# Terraform: aws_cloudwatch_metric_alarm and aws_cloudwatch_composite_alarm with
# `alarm_actions` and `actions_enabled` (default true, also written as the string
# "false"). The exemptions are the same consumers, found through reference edges or
# by literal alarm name: a composite alarm's `alarm_rule` (ALARM(${...alarm_name}) or
# ALARM("name")), an aws_codedeploy_deployment_group's `alarm_configuration { alarms }`
# and an aws_ecs_service's `alarms { alarm_names }`. An action list or flag that
# comes from a variable without a value, a data source or another resource
# (`[var.topic_arn]`, `var.alarm_actions`) is unknown or non-empty and never fails.
#
# Terraform plan: the same checks on the planned values: `actions_enabled` is filled in
# (true by default), an action list that is not set or empty is null (the provider plans
# `[]` as null), one built from a resource created by the plan is known after apply, and
# names in composite rules, deployment groups and ECS services are the resulting strings.
package opsgate.rules.evt_001

import data.opsgate.graph
import data.opsgate.lib
import data.opsgate.types

metadata := {
	"id": "OPS-EVT-001",
	"title": "Alarms notify someone",
	"severity": "high",
	"area": "Operate",
	"section": "Responding to Events",
	"best_practice": "Have a process per alert",
	"description": concat(" ", [
		"A CloudWatch alarm without alarm actions, or with its actions disabled, changes",
		"state in silence: nobody is paged, no ticket is opened and no automated response",
		"runs, so the event it was built to catch goes unhandled until a customer notices.",
		"Every alarm needs an action (an SNS topic that reaches the owning team, an",
		"Incident Manager response plan, a Lambda function, an Auto Scaling or EC2",
		"action) that starts the process for that alert. Alarms used only as inputs of a",
		"composite alarm or as deployment guards (CodeDeploy, ECS, SAM",
		"DeploymentPreference) are exempt: their consumer acts on them.",
	]),
	"remediation": {
		"cloudformation": concat(" ", [
			"Add the ARN of an SNS topic (or another action) to the alarm's AlarmActions,",
			"for example `AlarmActions: [!Ref OnCallTopic]`, and remove `ActionsEnabled: false`",
			"(it defaults to true).",
		]),
		"terraform": concat(" ", [
			"Set `alarm_actions = [aws_sns_topic.on_call.arn]` on the",
			"aws_cloudwatch_metric_alarm or aws_cloudwatch_composite_alarm and leave",
			"`actions_enabled` at its default (true).",
		]),
	},
	"config_rule": "cloudwatch-alarm-action-check",
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
	"actions": "AlarmActions", "enabled": "ActionsEnabled",
	"name": "AlarmName", "rule": "AlarmRule",
} if lib.is_cloudformation

names := {
	"actions": "alarm_actions", "enabled": "actions_enabled",
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

alarms := [a |
	lib.is_cloudformation
	some a in lib.resources_of(alarm_kinds, alarm_types)
	not a.address in consumed
]

# Terraform: the same kinds, by their Terraform type names.
tf_alarms := [a |
	lib.is_terraform
	some a in lib.resources_of(alarm_kinds, [])
	not a.address in consumed
]

checked_alarms := array.concat(alarms, tf_alarms)

actions_disabled(a) if lib.is_false(lib.get(a, ["properties", names.enabled]))

# One finding per alarm at most, the first that applies: actions disabled, no actions,
# only blank actions. (An else chain reads each property once per alarm.)
findings contains f if {
	some a in checked_alarms
	f := alarm_finding(a)
}

alarm_finding(a) := f if {
	actions_disabled(a)
	f := object.union(
		lib.finding(a, ["properties", names.enabled], sprintf(
			"alarm %s has %s set to false: it changes state without notifying anyone",
			[a.address, names.enabled],
		)),
		{"fix": disabled_fix(a)},
	)
} else := actions_finding(a, lib.get(a, ["properties", names.actions]))

actions_finding(a, actions) := f if {
	lib.is_empty(actions)
	f := object.union(
		lib.finding(a, ["properties", names.actions], sprintf(
			"alarm %s has %s: nobody is notified when it goes into ALARM",
			[a.address, no_actions_text(actions)],
		)),
		{"fix": no_actions_fix(a)},
	)
} else := f if {
	only_empty_strings(actions)
	f := object.union(
		lib.finding(a, ["properties", names.actions, 0], sprintf(
			"alarm %s has only empty strings in %s (%s): nobody is notified when it goes into ALARM",
			[a.address, names.actions, json.marshal(actions)],
		)),
		{"fix": no_actions_fix(a)},
	)
}

no_actions_text(null) := sprintf("no %s", [names.actions])

no_actions_text(v) := sprintf("an empty %s list", [names.actions]) if v != null

# A known, non-empty action list of blank strings: no entry is an action (an unknown
# entry may be one).
only_empty_strings(actions) if {
	is_array(actions)
	count(actions) > 0
	every a in actions {
		is_string(a)
		trim_space(a) == ""
	}
}

disabled_fix(a) := sprintf("Remove `ActionsEnabled: false` from %s (actions are enabled by default).", [a.address]) if {
	lib.is_cloudformation
}

disabled_fix(a) := sprintf("Remove `actions_enabled = false` from %s (actions are enabled by default).", [a.address]) if {
	lib.is_terraform
}

no_actions_fix(a) := sprintf("Add an action to AlarmActions of %s, e.g. `AlarmActions: [!Ref OnCallTopic]`.", [a.address]) if {
	lib.is_cloudformation
}

no_actions_fix(a) := sprintf(
	"Add an action to alarm_actions of %s, e.g. `alarm_actions = [aws_sns_topic.on_call.arn]`.",
	[a.address],
) if lib.is_terraform
