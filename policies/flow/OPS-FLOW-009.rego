# OPS-FLOW-009: CodeBuild projects keep their build logs.
#
# A project fails when none of its log destinations is on: CloudWatch Logs and S3 logs
# both DISABLED. CodeBuild defaults (CloudFormation LogsConfig and the Terraform
# provider's logs_config): CloudWatch Logs are ENABLED and S3 logs DISABLED when not
# set, so a project without LogsConfig / logs_config (or without a cloudwatch_logs
# block) passes. A CloudWatchLogs Status of DISABLED with no S3Logs, or with S3Logs
# DISABLED, fails; the finding points at the CloudWatch Logs status.
#
# Unknown values never fail: an unknown LogsConfig, CloudWatch Logs status or S3 logs
# status (parameter without default, dynamic block, ...) leaves the project silent.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent.
package opsgate.rules.flow_009

import data.opsgate.lib

metadata := {
	"id": "OPS-FLOW-009",
	"title": "CodeBuild projects keep their build logs",
	"severity": "low",
	"area": "Prepare",
	"section": "Improve Flow",
	"best_practice": "Use build and deployment management systems",
	"description": concat(" ", [
		"A build system is only useful for diagnosing a failed change when its output",
		"survives the build. A CodeBuild project with both CloudWatch Logs and S3 logs",
		"disabled throws away the log of every build, so nobody can tell afterwards why a",
		"build or test failed or what it deployed. Keep CloudWatch Logs on (the default)",
		"or send the logs to S3.",
	]),
	"remediation": {
		"cloudformation": concat(" ", [
			"Remove `LogsConfig.CloudWatchLogs.Status: DISABLED` (CloudWatch Logs are on by",
			"default) or set it to ENABLED, or set `LogsConfig.S3Logs` with `Status: ENABLED`",
			"and a `Location`.",
		]),
		"terraform": concat(" ", [
			"In `logs_config`, remove `cloudwatch_logs { status = \"DISABLED\" }` or set it to",
			"\"ENABLED\", or add `s3_logs { status = \"ENABLED\" location = ... }`.",
		]),
	},
	"config_rule": "codebuild-project-logging-enabled",
	"kinds": ["aws_codebuild_project"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

disabled(s) if {
	is_string(s)
	upper(s) == "DISABLED"
}

# CloudFormation: S3Logs is off when absent or its status is DISABLED.
cfn_s3_off(r) if lib.get(r, ["properties", "LogsConfig", "S3Logs"]) == null

cfn_s3_off(r) if disabled(lib.get(r, ["properties", "LogsConfig", "S3Logs", "Status"]))

findings contains f if {
	lib.is_cloudformation
	some r in lib.resources("aws_codebuild_project")
	path := ["properties", "LogsConfig", "CloudWatchLogs", "Status"]
	disabled(lib.get(r, path))
	cfn_s3_off(r)
	f := lib.finding(r, path, sprintf(
		"CodeBuild project %s has CloudWatch Logs DISABLED and no S3 logs: its build logs are not kept",
		[r.address],
	))
}

# Terraform: nested blocks are lists of objects; a dynamic block is unknown.
tf_s3_off(r) if {
	s3 := lib.get(r, ["properties", "logs_config", 0, "s3_logs"])
	s3 == null
}

tf_s3_off(r) if {
	s3 := lib.get(r, ["properties", "logs_config", 0, "s3_logs"])
	s3 == []
}

tf_s3_off(r) if {
	s3 := lib.get(r, ["properties", "logs_config", 0, "s3_logs"])
	is_array(s3)
	count(s3) > 0
	# status defaults to DISABLED in the provider
	every b in s3 {
		tf_s3_block_off(b)
	}
}

tf_s3_block_off(b) if object.get(b, "status", null) == null

tf_s3_block_off(b) if disabled(object.get(b, "status", null))

findings contains f if {
	lib.is_terraform
	some r in lib.resources("aws_codebuild_project")
	logs := lib.get(r, ["properties", "logs_config"])
	is_array(logs)
	count(logs) > 0
	path := ["properties", "logs_config", 0, "cloudwatch_logs", 0, "status"]
	disabled(lib.get(r, path))
	tf_s3_off(r)
	f := lib.finding(r, path, sprintf(
		"CodeBuild project %s has cloudwatch_logs DISABLED and no enabled s3_logs: its build logs are not kept",
		[r.address],
	))
}
