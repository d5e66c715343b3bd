# OPS-TEL-009: every container of an ECS task definition sends its logs somewhere.
#
# CloudFormation AWS::ECS::TaskDefinition: each entry of `ContainerDefinitions` needs
# `LogConfiguration` with a `LogDriver` (required in LogConfiguration; CloudFormation
# allowed values json-file | syslog | journald | gelf | fluentd | awslogs | splunk |
# awsfirelens; Fargate supports awslogs, splunk and awsfirelens). Any known driver counts
# (the rule does not judge the driver against the launch type). Without LogConfiguration
# ECS keeps no logs of the container. A driver "none" (Docker's "discard everything";
# not an ECS value) or an empty driver is reported too.
# Terraform aws_ecs_task_definition: `container_definitions` is a JSON string in the ECS
# API shape (`logConfiguration.logDriver`), usually built with `jsonencode([...])`,
# which opsgate evaluates. When parts of it are unknown the string is still JSON with
# those parts as `{"$unknown": ...}` objects; the rule decodes it (json.unmarshal) and
# reads it with lib.get. The finding points at `container_definitions` (opsgate cannot
# point inside a string) and names the container.
#
# Unknown never fails: an unknown ContainerDefinitions / container_definitions, a string
# that is not JSON (e.g. from file() of a file outside the scan root), an unknown
# container (an Fn::If element, a for-expression), an unknown LogConfiguration /
# logConfiguration or LogDriver is silent. A container without LogConfiguration is
# reported at the container (CloudFormation), an empty driver at its value.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent.
package opsgate.rules.tel_009

import data.opsgate.lib

metadata := {
	"id": "OPS-TEL-009",
	"title": "Every ECS container sends its logs somewhere",
	"severity": "high",
	"area": "Prepare",
	"section": "Design Telemetry",
	"best_practice": "Implement application telemetry",
	"description": concat(" ", [
		"A container writes its application logs to stdout and stderr. Without a log",
		"configuration ECS does not collect them, and on Fargate they are lost when the task",
		"stops: the errors that explain a crash loop or a failed deployment are gone. Each",
		"container definition needs a log driver (awslogs to CloudWatch Logs, awsfirelens to",
		"Fluent Bit, splunk, ...).",
	]),
	"remediation": {
		"cloudformation": "Give every entry of ContainerDefinitions a `LogConfiguration: {LogDriver: awslogs, Options: {awslogs-group: <log group>, awslogs-region: !Ref AWS::Region, awslogs-stream-prefix: <prefix>}}` (or awsfirelens / another driver), and let the execution role write to the log group.",
		"terraform": "Give every container in `container_definitions` a `logConfiguration = { logDriver = \"awslogs\", options = { \"awslogs-group\" = aws_cloudwatch_log_group.x.name, \"awslogs-region\" = ..., \"awslogs-stream-prefix\" = ... } }` (or awsfirelens / another driver).",
	},
	"config_rule": "ecs-task-definition-log-configuration",
	"kinds": ["aws_ecs_task_definition"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

no_driver := {"", "none"}

# CloudFormation: a container without LogConfiguration / LogDriver, or with an empty one.
findings contains f if {
	lib.is_cloudformation
	some td in lib.resources("aws_ecs_task_definition")
	defs := lib.get(td, ["properties", "ContainerDefinitions"])
	is_array(defs)
	some i, c in defs
	not lib.is_unknown(c)
	is_object(c)
	driver := lib.get(c, ["LogConfiguration", "LogDriver"])
	not lib.is_unknown(driver)
	not has_driver(driver)
	path := cfn_path(c, i)
	msg := message(td, container_name(lib.get(c, ["Name"]), i), driver, "LogConfiguration.LogDriver")
	f := object.union(lib.finding(td, path, msg), {"fix": "add LogConfiguration with a LogDriver (e.g. awslogs) to the container"})
}

cfn_path(c, i) := ["properties", "ContainerDefinitions", i, "LogConfiguration", "LogDriver"]

# Terraform: container_definitions decoded from its JSON string.
findings contains f if {
	lib.is_terraform
	some td in lib.resources("aws_ecs_task_definition")
	raw := lib.get(td, ["properties", "container_definitions"])
	is_string(raw)
	json.is_valid(raw)
	defs := json.unmarshal(raw)
	is_array(defs)
	some i, c in defs
	not lib.is_unknown(c)
	is_object(c)
	driver := lib.get(c, ["logConfiguration", "logDriver"])
	not lib.is_unknown(driver)
	not has_driver(driver)
	msg := message(td, container_name(lib.get(c, ["name"]), i), driver, "logConfiguration.logDriver")
	f := object.union(lib.finding(td, ["properties", "container_definitions"], msg), {"fix": "add logConfiguration = { logDriver = \"awslogs\", options = {...} } to the container"})
}

has_driver(d) if {
	is_string(d)
	not lower(d) in no_driver
}

container_name(name, _) := sprintf("container %q", [name]) if is_string(name)

container_name(name, i) := sprintf("container #%d", [i + 1]) if not is_string(name)

message(td, cname, null, what) := sprintf("task definition %s: %s has no %s, so its logs are not collected", [td.address, cname, what])

message(td, cname, d, what) := sprintf("task definition %s: %s has %s %q, so its logs are discarded", [td.address, cname, what, d]) if d != null
