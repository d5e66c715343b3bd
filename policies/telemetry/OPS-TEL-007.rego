# OPS-TEL-007: every Step Functions state machine logs its executions to CloudWatch Logs.
#
# AWS::StepFunctions::StateMachine: LoggingConfiguration {Level, Destinations,
# IncludeExecutionData}. Level allowed values ALL | ERROR | FATAL | OFF; without
# LoggingConfiguration, or without Level, the level is OFF (CloudFormation docs: "By
# default, the level is set to OFF"). Destinations (at most one, a
# CloudWatchLogsLogGroup.LogGroupArn) is required when the level is not OFF.
# AWS::Serverless::StateMachine: `Logging`, same shape, passed through by SAM.
#
# Terraform (aws_sfn_state_machine): `logging_configuration { level, log_destination,
# include_execution_data }`; provider docs: the block is optional and defaults to OFF,
# `level` valid values ALL | ERROR | FATAL | OFF, `log_destination` a log group ARN
# ending in `:*`.
#
# A state machine fails when: the block/property is missing, the level is missing or
# OFF, or the level is on but there is no destination (no Destinations, an empty list,
# or only destinations without a LogGroupArn; Terraform: no or empty log_destination).
# Each finding points at the offending value when it exists, else at the missing part.
#
# STANDARD vs EXPRESS: the default (OFF) is the same for both types (Terraform and
# CloudFormation docs), so both are checked. The consequence differs: Step Functions
# keeps the execution history of STANDARD workflows for 90 days even without logging,
# but records none for EXPRESS workflows — CloudWatch Logs is their only history. The
# message says so when the type is known to be EXPRESS (CFN `StateMachineType`, SAM
# `Type`, Terraform `type`); the severity stays the catalogue's.
#
# Unknown never fails: an unknown LoggingConfiguration/Logging/logging_configuration
# (parameter, condition, `dynamic` block), an unknown level, unknown Destinations or an
# unknown destination entry, or an unknown log_destination is silent.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent.
package opsgate.rules.tel_007

import data.opsgate.lib

metadata := {
	"id": "OPS-TEL-007",
	"title": "State machines log executions",
	"severity": "medium",
	"area": "Prepare",
	"section": "Design Telemetry",
	"best_practice": "Implement application telemetry",
	"description": concat(" ", [
		"A state machine's execution log (state entered/exited, task failures, timeouts,",
		"optionally inputs and outputs) is how an operator learns why a workflow failed.",
		"Step Functions logs nothing to CloudWatch Logs unless a logging configuration with a",
		"level other than OFF and a log group destination is set; OFF is the default.",
		"Express workflows have no execution history in Step Functions at all, so without",
		"logging their failures leave no trace.",
	]),
	"remediation": {
		"cloudformation": "Set `LoggingConfiguration: {Level: ERROR (or ALL), IncludeExecutionData: true, Destinations: [{CloudWatchLogsLogGroup: {LogGroupArn: !GetAtt StateMachineLogGroup.Arn}}]}` on the AWS::StepFunctions::StateMachine (SAM: the same under `Logging`), and allow the role the CloudWatch Logs delivery actions (logs:CreateLogDelivery, logs:PutResourcePolicy, ...).",
		"terraform": "Add `logging_configuration { level = \"ERROR\" (or \"ALL\"), include_execution_data = true, log_destination = \"${aws_cloudwatch_log_group.sfn.arn}:*\" }` to the aws_sfn_state_machine and allow its role the CloudWatch Logs delivery actions.",
	},
	"config_rule": "step-functions-state-machine-logging-enabled",
	"kinds": ["aws_sfn_state_machine"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

# ---------------------------------------------------------------- CloudFormation

cfn_prop(sm) := "Logging" if sm.type == "AWS::Serverless::StateMachine"

cfn_prop(sm) := "LoggingConfiguration" if sm.type != "AWS::Serverless::StateMachine"

cfn_type_prop(sm) := "Type" if sm.type == "AWS::Serverless::StateMachine"

cfn_type_prop(sm) := "StateMachineType" if sm.type != "AWS::Serverless::StateMachine"

cfn_fix(sm) := "set Logging with Level ERROR or ALL and a CloudWatch Logs destination" if {
	sm.type == "AWS::Serverless::StateMachine"
} else := "set LoggingConfiguration with Level ERROR or ALL and a CloudWatch Logs destination"

# No logging configuration at all.
findings contains f if {
	lib.is_cloudformation
	some sm in lib.resources("aws_sfn_state_machine")
	prop := cfn_prop(sm)
	lib.get(sm, ["properties", prop]) == null
	msg := sprintf("state machine %s has no %s, so Step Functions logs no executions (level OFF)%s", [sm.address, prop, express_note(lib.get(sm, ["properties", cfn_type_prop(sm)]))])
	f := object.union(lib.finding(sm, ["properties", prop], msg), {"fix": cfn_fix(sm)})
}

# A logging configuration whose level is missing (OFF) or OFF.
findings contains f if {
	lib.is_cloudformation
	some sm in lib.resources("aws_sfn_state_machine")
	prop := cfn_prop(sm)
	conf := lib.get(sm, ["properties", prop])
	conf != null
	not lib.is_unknown(conf)
	path := ["properties", prop, "Level"]
	level := lib.get(sm, path)
	level_off(level)
	msg := sprintf("state machine %s %s%s", [sm.address, level_text(prop, "Level", level), express_note(lib.get(sm, ["properties", cfn_type_prop(sm)]))])
	f := object.union(lib.finding(sm, path, msg), {"fix": cfn_fix(sm)})
}

# A level that logs, but nowhere to log to.
findings contains f if {
	lib.is_cloudformation
	some sm in lib.resources("aws_sfn_state_machine")
	prop := cfn_prop(sm)
	level := lib.get(sm, ["properties", prop, "Level"])
	level_on(level)
	path := ["properties", prop, "Destinations"]
	dests := lib.get(sm, path)
	not cfn_has_destination(dests)
	msg := sprintf("state machine %s has %s.Level %v but no CloudWatch Logs destination (Destinations[].CloudWatchLogsLogGroup.LogGroupArn), so nothing is logged", [sm.address, prop, level])
	f := object.union(lib.finding(sm, path, msg), {"fix": cfn_fix(sm)})
}

cfn_has_destination(dests) if lib.is_unknown(dests)

cfn_has_destination(dests) if {
	is_array(dests)
	some d in dests
	lib.get(d, ["CloudWatchLogsLogGroup", "LogGroupArn"]) != null
}

# ---------------------------------------------------------------- Terraform

fix_tf := "add logging_configuration { level = \"ERROR\", log_destination = \"${aws_cloudwatch_log_group.x.arn}:*\" }"

# No logging_configuration block (OFF).
findings contains f if {
	lib.is_terraform
	some sm in lib.resources("aws_sfn_state_machine")
	lib.get(sm, ["properties", "logging_configuration"]) == null
	msg := sprintf("state machine %s has no logging_configuration block, so Step Functions logs no executions (level OFF)%s", [sm.address, express_note(lib.get(sm, ["properties", "type"]))])
	f := object.union(lib.finding(sm, ["properties", "logging_configuration"], msg), {"fix": fix_tf})
}

# A block whose level is missing (OFF) or OFF.
findings contains f if {
	lib.is_terraform
	some sm in lib.resources("aws_sfn_state_machine")
	block := lib.get(sm, ["properties", "logging_configuration"])
	block != null
	not lib.is_unknown(block)
	path := ["properties", "logging_configuration", 0, "level"]
	level := lib.get(sm, path)
	level_off(level)
	msg := sprintf("state machine %s %s%s", [sm.address, level_text("logging_configuration", "level", level), express_note(lib.get(sm, ["properties", "type"]))])
	f := object.union(lib.finding(sm, path, msg), {"fix": fix_tf})
}

# A level that logs, but no log_destination.
findings contains f if {
	lib.is_terraform
	some sm in lib.resources("aws_sfn_state_machine")
	level := lib.get(sm, ["properties", "logging_configuration", 0, "level"])
	level_on(level)
	path := ["properties", "logging_configuration", 0, "log_destination"]
	dest := lib.get(sm, path)
	lib.is_empty(dest)
	msg := sprintf("state machine %s has logging_configuration level %v but no log_destination, so nothing is logged", [sm.address, level])
	f := object.union(lib.finding(sm, path, msg), {"fix": fix_tf})
}

# ---------------------------------------------------------------- shared

# Missing level (the default, OFF) or OFF itself (any case).
level_off(level) if level == null

level_off(level) if {
	is_string(level)
	upper(level) == "OFF"
}

# A known level other than OFF.
level_on(level) if {
	level != null
	not lib.is_unknown(level)
	not level_off(level)
}

level_text(block, key, null) := sprintf("sets no %s in %s, so the level is OFF and no executions are logged", [key, block])

level_text(block, key, level) := sprintf("has %s %s %v, so no executions are logged", [block, key, level]) if level != null

# The state machine type, when known to be EXPRESS (any case).
express_note(t) := "; it is an EXPRESS workflow, whose executions Step Functions does not record anywhere else" if {
	is_string(t)
	upper(t) == "EXPRESS"
} else := ""
