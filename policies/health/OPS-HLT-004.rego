# OPS-HLT-004: every Step Functions state machine of the unit has a CloudWatch alarm.
#
# A state machine is covered by a metric alarm with a `StateMachineArn` dimension that
# names it: CloudFormation AWS::CloudWatch::Alarm `Dimensions: [{Name: StateMachineArn,
# Value: !Ref StateMachine}]` (Ref returns the ARN), or, for metric-math alarms,
# `Metrics[*].MetricStat.Metric.Dimensions`; Terraform aws_cloudwatch_metric_alarm
# `dimensions = { StateMachineArn = aws_sfn_state_machine.x.arn }` or
# `metric_query { metric { dimensions = { StateMachineArn = ... } } }`. The dimension
# names the state machine by reference (an edge alarm -> state machine at the value, also
# through a local module's input/output), or by a literal ARN
# `arn:<partition>:states:<region>:<account>:stateMachine:<name>` whose name is the one
# the state machine declares (`StateMachineName`/SAM `Name` / `name`).
# AWS::StepFunctions::StateMachine and AWS::Serverless::StateMachine both count.
#
# Unknown never fails:
# - a StateMachineArn dimension (or a whole Dimensions list, dimensions map, Metrics
#   list, or a dimension Name) that cannot be known and references no state machine of
#   the unit (a parameter without default, !ImportValue, !Sub with pseudo parameters, a
#   variable, a data source) may name any state machine: the rule is silent for every
#   state machine of the unit;
# - `!If [C, !Ref A, !Ref B]` / `var.x ? a : b` covers every state machine it references.
#
# A unit without any alarm reports each state machine once: the catalogue asks that
# *each* state machine has an alarm, and a finding per state machine tells exactly which
# ones to cover (and can be ignored one by one).
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent. Joins follow the edges from the
# configuration's references, as in Terraform configuration. An alarm's dimensions map
# that holds a value known only after apply (the ARN or name of a resource the plan
# creates) is planned unknown as a whole, dimension names included: such an alarm may
# name whatever it references, and the rule stays silent for those resources.
package opsgate.rules.hlt_004

import data.opsgate.graph
import data.opsgate.alarms
import data.opsgate.lib

metadata := {
	"id": "OPS-HLT-004",
	"title": "Each state machine has an alarm",
	"severity": "low",
	"area": "Operate",
	"section": "Understanding Workload Health",
	"best_practice": "Alert when workload outcomes are at risk",
	"description": concat(" ", [
		"A state machine runs a business process end to end; when executions fail, time out",
		"or are throttled the outcome is lost, and Step Functions only records it in the",
		"AWS/States metrics. A CloudWatch alarm on ExecutionsFailed, ExecutionsTimedOut or",
		"ExecutionsAborted for the state machine tells the team while the outcome can still",
		"be recovered.",
	]),
	"remediation": {
		"cloudformation": "Add an `AWS::CloudWatch::Alarm` on `Namespace: AWS/States`, `MetricName: ExecutionsFailed`, `Statistic: Sum`, `Threshold: 1` with `Dimensions: [{Name: StateMachineArn, Value: !Ref MyStateMachine}]` and an `AlarmActions` topic.",
		"terraform": "Add an `aws_cloudwatch_metric_alarm` with `namespace = \"AWS/States\"`, `metric_name = \"ExecutionsFailed\"`, `dimensions = { StateMachineArn = aws_sfn_state_machine.this.arn }` and `alarm_actions`.",
	},
	"config_rule": null,
	"kinds": ["aws_sfn_state_machine", "aws_cloudwatch_metric_alarm"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

# The dimension names that name a resource of each kind.
dimensions := {"aws_sfn_state_machine": {"StateMachineArn"}}

# Where each kind declares its literal name (SAM state machines: Name).
name_paths := {"aws_sfn_state_machine": ["properties", "StateMachineName"]} if lib.is_cloudformation

name_paths := {"aws_sfn_state_machine": ["properties", "name"]} if lib.is_terraform

# Literal names of SAM state machines (AWS::Serverless::StateMachine `Name`).
literal_names[[kind, name]] contains r.address if {
	lib.is_cloudformation
	kind := "aws_sfn_state_machine"
	some r in lib.resources("aws_sfn_state_machine")
	name := lib.get(r, ["properties", "Name"])
	is_string(name)
	name != ""
}

# The state machine name in a literal StateMachineArn value.
literal_key(_, v) := m[0][1] if {
	m := regex.find_all_string_submatch_n(`^arn:[^:]+:states:[^:]*:[^:]*:stateMachine:([^:]+)$`, v, 1)
	count(m) > 0
}

findings contains f if {
	some r in uncovered
	f := object.union(lib.finding(r, [], message(r)), {"fix": fix(r)})
}

message(r) := sprintf("state machine %s has no CloudWatch alarm in this %s: no %s has a StateMachineArn dimension that references it", [r.address, unit_noun, alarm_type])

fix(r) := sprintf("add an AWS::CloudWatch::Alarm on AWS/States ExecutionsFailed with Dimensions [{Name: StateMachineArn, Value: !Ref %s}]", [r.address]) if lib.is_cloudformation

fix(r) := sprintf("add an aws_cloudwatch_metric_alarm on AWS/States ExecutionsFailed with dimensions = { StateMachineArn = %s.arn }", [lib.local_address(r)]) if lib.is_terraform

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
