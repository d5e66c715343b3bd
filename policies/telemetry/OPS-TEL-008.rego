# OPS-TEL-008: every Step Functions state machine traces its executions with AWS X-Ray.
#
# AWS::StepFunctions::StateMachine: TracingConfiguration.Enabled (Boolean, optional;
# "When set to true, X-Ray tracing is enabled" — without it tracing is off).
# AWS::Serverless::StateMachine: `Tracing` with the same shape ({Enabled: true}).
# CloudFormation accepts true and "true" (any case).
#
# Terraform (aws_sfn_state_machine): `tracing_configuration { enabled = true }`; the block
# and `enabled` are optional, tracing is off without them.
#
# Applies to STANDARD and EXPRESS workflows alike (both support X-Ray tracing).
#
# A state machine fails when the property/block is missing, when Enabled/enabled is
# missing, or when it is a known value other than true. Findings point at the value when
# it exists, else at the missing part.
#
# Unknown never fails: an unknown TracingConfiguration/Tracing (parameter, condition),
# an unknown Enabled/enabled (variable without default), or a `dynamic
# "tracing_configuration"` block is silent.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent.
package opsgate.rules.tel_008

import data.opsgate.lib

metadata := {
	"id": "OPS-TEL-008",
	"title": "State machines trace with X-Ray",
	"severity": "low",
	"area": "Prepare",
	"section": "Design Telemetry",
	"best_practice": "Implement transaction traceability",
	"description": concat(" ", [
		"With X-Ray tracing a state machine records a trace for every execution, including",
		"the Lambda functions, queues and services each state calls, so a slow or failing",
		"step can be found in the service map and the trace of the request that crossed it.",
		"Without it, the trace of a request that enters the workflow stops at Step Functions.",
		"Tracing is off unless TracingConfiguration.Enabled is true.",
	]),
	"remediation": {
		"cloudformation": "Set `TracingConfiguration: {Enabled: true}` on the AWS::StepFunctions::StateMachine (SAM: `Tracing: {Enabled: true}`), and allow the state machine's role xray:PutTraceSegments, xray:PutTelemetryRecords, xray:GetSamplingRules and xray:GetSamplingTargets.",
		"terraform": "Add `tracing_configuration { enabled = true }` to the aws_sfn_state_machine and allow its role the X-Ray write actions (xray:PutTraceSegments, xray:PutTelemetryRecords, xray:GetSamplingRules, xray:GetSamplingTargets).",
	},
	"config_rule": null,
	"kinds": ["aws_sfn_state_machine"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

# ---------------------------------------------------------------- CloudFormation

cfn_prop(sm) := "Tracing" if sm.type == "AWS::Serverless::StateMachine"

cfn_prop(sm) := "TracingConfiguration" if sm.type != "AWS::Serverless::StateMachine"

# Missing Enabled (or the whole property), or a known value other than true.
findings contains f if {
	lib.is_cloudformation
	some sm in lib.resources("aws_sfn_state_machine")
	prop := cfn_prop(sm)
	path := ["properties", prop, "Enabled"]
	v := lib.get(sm, path)
	not lib.is_unknown(v)
	not lib.is_true(v)
	msg := message(sm, prop, "Enabled", lib.get(sm, ["properties", prop]), v)
	f := object.union(lib.finding(sm, path, msg), {"fix": sprintf("set %s: {Enabled: true}", [prop])})
}

# ---------------------------------------------------------------- Terraform

findings contains f if {
	lib.is_terraform
	some sm in lib.resources("aws_sfn_state_machine")
	block := lib.get(sm, ["properties", "tracing_configuration"])
	not lib.is_unknown(block)
	path := tf_path(block)
	v := lib.get(sm, path)
	not lib.is_unknown(v)
	not lib.is_true(v)
	msg := message(sm, "tracing_configuration", "enabled", block, v)
	f := object.union(lib.finding(sm, path, msg), {"fix": "add tracing_configuration { enabled = true }"})
}

# No block: the path stops at the block, so the finding points at the resource header.
tf_path(null) := ["properties", "tracing_configuration"]

tf_path(block) := ["properties", "tracing_configuration", 0, "enabled"] if block != null

# ---------------------------------------------------------------- shared

message(sm, prop, _, null, _) := sprintf("state machine %s has no %s, so X-Ray tracing is off", [sm.address, prop])

message(sm, prop, key, conf, null) := sprintf("state machine %s sets no %s in %s, so X-Ray tracing is off", [sm.address, key, prop]) if conf != null

message(sm, prop, key, conf, v) := sprintf("state machine %s has %s %s %v, so X-Ray tracing is off", [sm.address, prop, key, v]) if {
	conf != null
	v != null
}
