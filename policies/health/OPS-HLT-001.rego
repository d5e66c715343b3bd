# OPS-HLT-001: every Lambda function of the unit has a CloudWatch alarm.
#
# A function is covered by a metric alarm with a `FunctionName` dimension that names it:
# CloudFormation AWS::CloudWatch::Alarm `Dimensions: [{Name: FunctionName, Value: ...}]`,
# or, for metric-math alarms, `Metrics[*].MetricStat.Metric.Dimensions`; Terraform
# aws_cloudwatch_metric_alarm `dimensions = { FunctionName = ... }` or
# `metric_query { metric { dimensions = { FunctionName = ... } } }`. The dimension names
# the function by reference (`!Ref Fn`, `!Sub "${Fn}"`, `aws_lambda_function.x.function_name`,
# also through a local module's input/output: an edge alarm -> function at the value), or
# by the literal name the function declares (`FunctionName` / `function_name`).
# AWS::Lambda::Function and AWS::Serverless::Function both count as functions.
#
# Unknown never fails:
# - a FunctionName dimension (or a whole Dimensions list, dimensions map, Metrics list,
#   or a dimension Name) that cannot be known and references no function of the unit (a
#   parameter without default, !ImportValue, a variable, a data source) may name any
#   function: the rule is silent for every function of the unit;
# - `!If [C, !Ref A, !Ref B]` / `var.x ? a : b` covers every function it references.
#
# A unit without any alarm reports each function once: the catalogue asks that *each*
# function has an alarm, and a finding per function tells exactly which ones to cover
# (and can be ignored one by one).
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent. Joins follow the edges from the
# configuration's references, as in Terraform configuration. An alarm's dimensions map
# that holds a value known only after apply (the ARN or name of a resource the plan
# creates) is planned unknown as a whole, dimension names included: such an alarm may
# name whatever it references, and the rule stays silent for those resources.
package opsgate.rules.hlt_001

import data.opsgate.graph
import data.opsgate.alarms
import data.opsgate.lib

metadata := {
	"id": "OPS-HLT-001",
	"title": "Each Lambda function has an alarm",
	"severity": "medium",
	"area": "Operate",
	"section": "Understanding Workload Health",
	"best_practice": "Alert when workload outcomes are at risk",
	"description": concat(" ", [
		"A Lambda function fails quietly: errors, throttles and timeouts only show up in its",
		"metrics and logs. Without a CloudWatch alarm on the function (Errors, Throttles,",
		"Duration near the timeout, or an error rate through metric math) nobody learns that",
		"the outcomes it is responsible for are at risk until a customer notices.",
	]),
	"remediation": {
		"cloudformation": "Add an `AWS::CloudWatch::Alarm` on `Namespace: AWS/Lambda` (for example `MetricName: Errors`, `Statistic: Sum`, `Threshold: 1`) with `Dimensions: [{Name: FunctionName, Value: !Ref MyFunction}]` and an `AlarmActions` topic.",
		"terraform": "Add an `aws_cloudwatch_metric_alarm` with `namespace = \"AWS/Lambda\"`, `metric_name = \"Errors\"`, `dimensions = { FunctionName = aws_lambda_function.this.function_name }` and `alarm_actions`.",
	},
	"config_rule": null,
	"kinds": ["aws_lambda_function", "aws_cloudwatch_metric_alarm"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

# The dimension names that name a resource of each kind.
dimensions := {"aws_lambda_function": {"FunctionName"}}

# Where each kind declares its literal name.
name_paths := {"aws_lambda_function": ["properties", "FunctionName"]} if lib.is_cloudformation

name_paths := {"aws_lambda_function": ["properties", "function_name"]} if lib.is_terraform

# The literal name a dimension value stands for (FunctionName holds the name itself).
literal_key(_, v) := v

findings contains f if {
	some r in uncovered
	f := object.union(lib.finding(r, [], message(r)), {"fix": fix(r)})
}

message(r) := sprintf("Lambda function %s has no CloudWatch alarm in this %s: no %s has a FunctionName dimension that references it", [r.address, unit_noun, alarm_type])

fix(r) := sprintf("add an AWS::CloudWatch::Alarm on AWS/Lambda Errors with Dimensions [{Name: FunctionName, Value: !Ref %s}]", [r.address]) if lib.is_cloudformation

fix(r) := sprintf("add an aws_cloudwatch_metric_alarm on AWS/Lambda Errors with dimensions = { FunctionName = %s.function_name }", [lib.local_address(r)]) if lib.is_terraform

# ---------------------------------------------------------------------------------------
# Alarm dimensions (shared shape of OPS-HLT-001/003/004/005).
#
# A slot is one dimension of one metric alarm: {"alarm", "name", "path", "value"}, with
# `name` null when it cannot be known (an unknown Dimensions list or dimensions map, or
# an unknown Name) and `path` where the value sits (edges from the alarm at or below it
# are the references it makes).

# The dimensions of the metric alarms that can be this rule's (alarms.slots_named,
# built once): those of its dimension names and those whose name is unknown.
slots := {s |
	some _, names in dimensions
	some name in names
	some s in object.get(alarms.slots_named, name, set())
} | alarms.slots_unnamed

# Slot `s` may hold a dimension of `kind`.
slot_for(s, kind) if s.name in dimensions[kind]

slot_for(s, kind) if {
	s.name == null
	dimensions[kind]
}

# The resources of each kind by literal name: literal_names[[kind, name]] is a set of
# addresses (one key level: both regorus' interpreter and its bytecode take that form).
literal_names[[kind, name]] contains r.address if {
	some kind, p in name_paths
	some r in lib.resources(kind)
	n := lib.get(r, p)
	is_string(n)
	n != ""
	name := n
}

covered contains t if {
	some s in slots
	some t in alarms.slot_targets(s)
	kind := input.resources[t].kind
	slot_for(s, kind)
}

covered contains t if {
	some s in slots
	is_string(s.value)
	some kind, _ in dimensions
	slot_for(s, kind)
	key := literal_key(kind, s.value)
	some t in literal_names[[kind, key]]
}

# A slot of `kind` whose value cannot be known and references no resource of the unit
# (a parameter, an import, a variable, a data source): it may name any resource of the
# kind, so the rule is silent for the kind in this unit. A value that references another
# resource (a cluster under DBInstanceIdentifier, a queue under FunctionName) is that
# resource's name, not an unknown one.
untraceable contains kind if {
	some s in slots
	some kind, _ in dimensions
	slot_for(s, kind)
	lib.is_unknown(s.value)
	not references_resource(s)
}

references_resource(s) if {
	some t in alarms.slot_targets(s)
	input.resources[t]
}

uncovered contains r if {
	some kind, _ in dimensions
	not untraceable[kind]
	some r in lib.resources(kind)
	not covered[r.address]
}

unit_noun := "template" if lib.is_cloudformation

unit_noun := "configuration" if lib.is_terraform

alarm_type := "AWS::CloudWatch::Alarm" if lib.is_cloudformation

alarm_type := "aws_cloudwatch_metric_alarm" if lib.is_terraform
