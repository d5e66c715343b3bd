# OPS-EVT-001: every CloudWatch alarm notifies someone (or something) when it fires.
#
# An alarm passes when it has at least one AlarmActions entry and ActionsEnabled is not
# false. Unknown values (parameters without a default, Fn::If, Fn::ImportValue, ...)
# never fail. Alarms that another resource acts on are exempt: a composite alarm's
# AlarmRule, a CodeDeploy deployment group's AlarmConfiguration, an ECS service's
# deployment alarms and a SAM function's DeploymentPreference.Alarms all watch their
# alarms' state, so those alarms need no actions of their own (AWS recommends exactly
# this to reduce alarm noise with composite alarms).
package opsgate.rules.evt_001

import data.opsgate.lib

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
	"formats": ["cloudformation"],
}

alarm_kinds := ["aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm"]

alarm_types := ["AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"]

# Where a resource of each type refers to alarms whose state it acts on.
consumer_paths := {
	"AWS::CloudWatch::CompositeAlarm": [["properties", "AlarmRule"]],
	"AWS::CodeDeploy::DeploymentGroup": [["properties", "AlarmConfiguration", "Alarms"]],
	"AWS::ECS::Service": [["properties", "DeploymentConfiguration", "Alarms"]],
	"AWS::Serverless::Function": [["properties", "DeploymentPreference", "Alarms"]],
}

# Alarms another resource refers to where it acts on their state (Ref, Fn::GetAtt, Fn::Sub).
consumed contains e.to if {
	some e in input.edges
	e.via != "DependsOn"
	prefixes := consumer_paths[input.resources[e.from].type]
	some prefix in prefixes
	lib.has_prefix(e.path, prefix)
}

# Alarms a composite alarm names literally: ALARM("name"), OK(name), or by ARN.
consumed contains a.address if {
	some a in lib.resources_of(alarm_kinds, alarm_types)
	name := lib.get(a, ["properties", "AlarmName"])
	is_string(name)
	name in rule_names
}

# Names in composite alarm rules.
rule_names contains name if {
	some c in lib.resources_of(["aws_cloudwatch_composite_alarm"], ["AWS::CloudWatch::CompositeAlarm"])
	rule := rule_text(lib.get(c, ["properties", "AlarmRule"]))
	some m in regex.find_all_string_submatch_n(`(?:ALARM|OK|INSUFFICIENT_DATA)\([ \t\r\n]*"?([^")]+?)"?[ \t\r\n]*\)`, rule, -1)
	some name in alarm_ref_names(m[1])
}

# The text of an alarm rule; for a rule built with Fn::Sub or Fn::Join around references,
# its source text, whose literal alarm names are still names.
rule_text(rule) := rule if is_string(rule)

rule_text(rule) := rule["$unknown"] if lib.is_unknown(rule)

# An alarm reference in a rule: the name itself, and the name inside an alarm ARN.
alarm_ref_names(ref) := {ref, name} if {
	parts := split(ref, ":alarm:")
	count(parts) == 2
	name := parts[1]
} else := {ref}

alarms := [a |
	input.format == "cloudformation"
	some a in lib.resources_of(alarm_kinds, alarm_types)
	not a.address in consumed
]

actions_disabled(a) if lib.is_false(lib.get(a, ["properties", "ActionsEnabled"]))

findings contains f if {
	some a in alarms
	actions_disabled(a)
	f := object.union(
		lib.finding(a, ["properties", "ActionsEnabled"], sprintf(
			"alarm %s has ActionsEnabled set to false: it changes state without notifying anyone",
			[a.address],
		)),
		{"fix": sprintf("Remove `ActionsEnabled: false` from %s (actions are enabled by default).", [a.address])},
	)
}

findings contains f if {
	some a in alarms
	not actions_disabled(a)
	actions := lib.get(a, ["properties", "AlarmActions"])
	lib.is_empty(actions)
	f := object.union(
		lib.finding(a, ["properties", "AlarmActions"], sprintf(
			"alarm %s has %s: nobody is notified when it goes into ALARM",
			[a.address, no_actions_text(actions)],
		)),
		{"fix": sprintf("Add an action to AlarmActions of %s, e.g. `AlarmActions: [!Ref OnCallTopic]`.", [a.address])},
	)
}

no_actions_text(null) := "no AlarmActions"

no_actions_text(v) := "an empty AlarmActions list" if v != null
