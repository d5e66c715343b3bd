# OPS-HLT-007: a unit with many alarms has a dashboard.
#
# A unit (one CloudFormation template, one Terraform root module with its local child
# modules, one plan) that defines at least `min_alarms` (default 5) CloudWatch alarms —
# AWS::CloudWatch::Alarm / AWS::CloudWatch::CompositeAlarm, aws_cloudwatch_metric_alarm /
# aws_cloudwatch_composite_alarm — must also define a dashboard: AWS::CloudWatch::Dashboard
# / aws_cloudwatch_dashboard. The rule cannot tell whether a dashboard elsewhere (another
# stack, the console) shows these alarms; that is what an ignore is for.
#
# The finding is reported once per unit, on the first alarm in source order (file, then
# line; the address breaks ties): that is where a reader meets the unit's alarms, the
# place stays put when alarms are added further down, and it does not depend on how the
# alarms are named.
#
# Counting: each instance of a Terraform alarm with a known `count` or `for_each` is a
# resource of its own and counts once. Unknown never fails: an alarm whose existence is not
# known (an unknown count or for_each, a CloudFormation Condition) does not count, and a
# dashboard that may exist (the same cases) counts as present.
package opsgate.rules.hlt_007

import data.opsgate.lib

metadata := {
	"id": "OPS-HLT-007",
	"title": "Units with many alarms have a dashboard",
	"severity": "info",
	"area": "Operate",
	"section": "Understanding Workload Health",
	"best_practice": "Communicate status through dashboards",
	"description": concat(" ", [
		"Alarms tell you that something is wrong; a dashboard tells you what the workload is",
		"doing. A stack or module with many alarms is big enough that responders and",
		"stakeholders need one place that shows its key metrics and alarm states together,",
		"kept next to the alarms in code so it changes with them.",
	]),
	"remediation": {
		"cloudformation": concat(" ", [
			"Add an AWS::CloudWatch::Dashboard to the template whose DashboardBody shows the",
			"workload's key metrics and an alarm status widget for its alarms.",
		]),
		"terraform": concat(" ", [
			"Add an aws_cloudwatch_dashboard to the module whose `dashboard_body = jsonencode(...)`",
			"shows the workload's key metrics and an alarm status widget for its alarms.",
		]),
	},
	"config_rule": null,
	"kinds": ["aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm", "aws_cloudwatch_dashboard"],
	"formats": ["cloudformation", "terraform"],
	"parameters": {"min_alarms": 5},
}

min_alarms := lib.param(metadata.id, "min_alarms", metadata.parameters.min_alarms)

alarm_kinds := ["aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm"]

# ---- how many instances a resource certainly has ---------------------------------

# CloudFormation: a resource under a Condition may not exist.
instances(r) := 0 if {
	lib.is_cloudformation
	object.get(r, ["meta", "Condition"], null) != null
}

instances(r) := 1 if {
	lib.is_cloudformation
	object.get(r, ["meta", "Condition"], null) == null
}

# Terraform: an instance of a count / for_each over a known collection is one resource
# of its own (it has `meta.key`); a block whose count or for_each is not known is
# unknown (never counted); a known count or for_each that opsgate did not expand (past
# the max_resource_instances limit) counts its elements.
instances(r) := 1 if {
	lib.is_terraform
	object.get(r, ["meta", "key"], null) != null
}

instances(r) := n if {
	lib.is_terraform
	object.get(r, ["meta", "key"], null) == null
	c := object.get(r, ["meta", "count"], null)
	c != null
	n := tf_count(c)
}

instances(r) := n if {
	lib.is_terraform
	object.get(r, ["meta", "key"], null) == null
	object.get(r, ["meta", "count"], null) == null
	fe := object.get(r, ["meta", "for_each"], null)
	fe != null
	n := tf_count(fe)
}

instances(r) := 1 if {
	lib.is_terraform
	object.get(r, ["meta", "key"], null) == null
	object.get(r, ["meta", "count"], null) == null
	object.get(r, ["meta", "for_each"], null) == null
}

tf_count(v) := 0 if lib.is_unknown(v)

tf_count(v) := v if is_number(v)

tf_count(v) := count(v) if {
	not lib.is_unknown(v)
	not is_number(v)
	not is_string(v)
}

tf_count(v) := 1 if is_string(v)

# ---- the unit --------------------------------------------------------------------

alarms := lib.resources_of(alarm_kinds, [])

alarm_count := sum([instances(a) | some a in alarms])

# A dashboard that exists or may exist (under a CloudFormation Condition, with an unknown
# Terraform count or for_each). Terraform resources known not to exist are not in the
# input.
has_dashboard if count(lib.resources("aws_cloudwatch_dashboard")) > 0

# The first alarm in source order: file, line, then address.
first_alarm := input.resources[sorted[0][2]] if {
	sorted := sort([[object.get(a, "file", ""), object.get(a, "line", 0), a.address] | some a in alarms])
	count(sorted) > 0
}

findings contains f if {
	alarm_count >= min_alarms
	not has_dashboard
	a := first_alarm
	f := object.union(
		lib.finding(a, [], sprintf(
			"%s defines %d alarms (first: %s) but no CloudWatch dashboard: nobody can see the workload's health at a glance",
			[unit_text, alarm_count, a.address],
		)),
		{"fix": fix},
	)
}

unit_text := sprintf("template %s", [input.unit]) if lib.is_cloudformation

unit_text := sprintf("module %s", [input.unit]) if {
	lib.is_terraform
	not lib.is_plan
}

unit_text := sprintf("plan %s", [input.unit]) if lib.is_plan

fix := "Add an AWS::CloudWatch::Dashboard to the template with the workload's key metrics and an alarm status widget." if lib.is_cloudformation

fix := "Add an aws_cloudwatch_dashboard to the module with the workload's key metrics and an alarm status widget." if lib.is_terraform
