# OPS-EVT-002: every CloudWatch alarm tells the responder where its runbook is.
#
# AlarmDescription travels with every notification (SNS, Chatbot, Incident Manager), so
# it is where the link to the runbook or playbook belongs. An alarm passes when its
# AlarmDescription matches the rule parameter `runbook_pattern`: by default a URL, or
# the word runbook or playbook (also "run book", "playbooks"), in any case. Unknown
# descriptions never fail.
#
# Terraform: `alarm_description` of aws_cloudwatch_metric_alarm and
# aws_cloudwatch_composite_alarm, with the same pattern. A description built from a
# variable without a value, a data source or another resource's attribute is unknown
# and never fails; a template over known parts ("Runbook: ${local.wiki}/x") is checked
# as the resulting string.
#
# Terraform plan: the planned `alarm_description`, a string when it is built from known
# values, null when not set, unknown when built from an attribute known only after apply.
#
# The pattern is a Rust regex (https://docs.rs/regex/latest/regex/#syntax). An invalid
# pattern makes the policy fail with an error, not pass silently.
package opsgate.rules.evt_002

import data.opsgate.lib

default_pattern := `(?i)(https?://|\b(run|play)[ -]?books?\b)`

pattern := lib.param(metadata.id, "runbook_pattern", default_pattern)

metadata := {
	"id": "OPS-EVT-002",
	"title": "Each alarm names its runbook",
	"severity": "medium",
	"area": "Operate",
	"section": "Responding to Events",
	"best_practice": "Have a process per alert",
	"description": concat(" ", [
		"Every alert needs a well-defined response with an owner. The alarm description",
		"is sent with every notification, so it is where the responder looks first: it",
		"should link the runbook or playbook for this alarm, so that the response starts",
		"from a known procedure instead of an ad-hoc investigation. The check passes when",
		"AlarmDescription (Terraform: alarm_description) matches the configurable",
		"`runbook_pattern` (default: a URL, or the word runbook or playbook).",
	]),
	"remediation": {
		"cloudformation": concat(" ", [
			"Set AlarmDescription to say what the alarm means and where its runbook is, for",
			"example `AlarmDescription: \"5xx above 1% for 5 minutes. Runbook:",
			"https://wiki.example.com/runbooks/orders-5xx\"`.",
		]),
		"terraform": concat(" ", [
			"Set `alarm_description` on the aws_cloudwatch_metric_alarm or",
			"aws_cloudwatch_composite_alarm to a text that links the runbook, for example",
			"`alarm_description = \"5xx above 1%. Runbook: https://wiki.example.com/runbooks/orders-5xx\"`.",
		]),
	},
	"config_rule": "cloudwatch-alarm-description",
	"kinds": ["aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
	"parameters": {"runbook_pattern": default_pattern},
}

alarm_kinds := ["aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm"]

alarms := lib.resources_of(alarm_kinds, ["AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"]) if {
	lib.is_cloudformation
}

# Terraform: the same two kinds, by their Terraform type names.
alarms := lib.resources_of(alarm_kinds, []) if lib.is_terraform

# The description property in the unit's format.
attr := "alarm_description" if lib.is_terraform

else := "AlarmDescription"

fix(a) := sprintf(
	"Link the runbook in AlarmDescription of %s, e.g. `AlarmDescription: \"Runbook: https://wiki.example.com/runbooks/%s\"`.",
	[a.address, a.address],
) if not lib.is_terraform

fix(a) := sprintf(
	"Link the runbook in alarm_description of %s, e.g. `alarm_description = \"Runbook: https://wiki.example.com/runbooks/%s\"`.",
	[a.address, a.address],
) if lib.is_terraform

findings contains f if {
	some a in alarms
	lib.get(a, ["properties", attr]) == null
	f := object.union(
		lib.finding(a, ["properties", attr], sprintf(
			"alarm %s has no %s: its notifications do not say which runbook to follow",
			[a.address, attr],
		)),
		{"fix": fix(a)},
	)
}

findings contains f if {
	some a in alarms
	description := lib.get(a, ["properties", attr])
	is_string(description)
	trim_space(description) == ""
	f := object.union(
		lib.finding(a, ["properties", attr], sprintf(
			"alarm %s has an empty %s: its notifications do not say which runbook to follow",
			[a.address, attr],
		)),
		{"fix": fix(a)},
	)
}

findings contains f if {
	some a in alarms
	description := lib.get(a, ["properties", attr])
	is_string(description)
	trim_space(description) != ""
	not regex.match(pattern, description)
	f := object.union(
		lib.finding(a, ["properties", attr], sprintf(
			"%s of alarm %s names no runbook: %s",
			[attr, a.address, expectation],
		)),
		{"fix": fix(a)},
	)
}

expectation := "it has no URL and does not mention a runbook or playbook" if {
	pattern == default_pattern
} else := sprintf("it does not match the configured runbook_pattern `%s`", [pattern])
