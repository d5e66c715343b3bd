# OPS-TEL-002: every Lambda function has a log group managed in the same template.
#
# Lambda writes to the log group named in LoggingConfig.LogGroup, or else to
# /aws/lambda/<function name>, which it creates itself on the first invocation when it
# does not exist: such a group keeps its logs forever, has no encryption or subscription
# set as code and survives the stack. A function passes when
#   1. LoggingConfig.LogGroup is set (SAM too, Globals included), or
#   2. an AWS::Logs::LogGroup - or CDK's Custom::LogRetention, which creates the group
#      and sets its retention from the template - is named /aws/lambda/<function name>:
#      a) through a reference to the function (`!Sub "/aws/lambda/${Fn}"`,
#         `!Join ["", ["/aws/lambda/", !Ref Fn]]`): the edge log group -> function at
#         LogGroupName plus the literal "/aws/lambda/" right before the reference, or
#      b) literally, equal to "/aws/lambda/" + the function's literal FunctionName.
# Unknown never fails: a function whose LoggingConfig is unknown passes; a log group
# whose name is unknown and does not come from a resource of the template (a parameter
# without default, !ImportValue, !If, a pseudo parameter ...) may be any function's
# group, so it silences the rule for the unit, unless its text shows a literal prefix
# other than /aws/lambda/; a function whose own name is unknown passes as soon as some
# log group of the unit is literally named /aws/lambda/...
package opsgate.rules.tel_002

import data.opsgate.lib

metadata := {
	"id": "OPS-TEL-002",
	"title": "Each Lambda function has a log group managed as code",
	"severity": "medium",
	"area": "Prepare",
	"section": "Design Telemetry",
	"best_practice": "Implement application telemetry",
	"description": concat(" ", [
		"When a function's log group is not declared, Lambda creates /aws/lambda/<name> on the",
		"first invocation with logs kept forever, no encryption key and no subscription, outside",
		"the stack (it survives deletion and drifts unseen). Declaring the group next to the",
		"function makes retention, encryption, metric filters and subscriptions reviewable code",
		"and keeps the telemetry the team depends on from being an accident.",
	]),
	"remediation": {
		"cloudformation": "Declare `AWS::Logs::LogGroup` with `LogGroupName: !Sub \"/aws/lambda/${MyFunction}\"` and `RetentionInDays`, or create a log group and point the function at it with `LoggingConfig: {LogGroup: !Ref MyLogGroup}` (SAM: `LoggingConfig` on the function or in `Globals.Function`). CDK: pass `logGroup` (or `logRetention`) to the Function.",
		"terraform": "Declare `aws_cloudwatch_log_group` with `name = \"/aws/lambda/${aws_lambda_function.this.function_name}\"` and `retention_in_days`, or set `logging_config { log_group = aws_cloudwatch_log_group.this.name }` on the aws_lambda_function.",
	},
	"config_rule": null,
	"kinds": ["aws_lambda_function", "aws_cloudwatch_log_group"],
	"formats": ["cloudformation"],
}

# Resources that create a log group by name: native log groups and CDK's
# Custom::LogRetention (LogGroupName built like a log group's).
log_groups := array.concat(
	lib.resources("aws_cloudwatch_log_group"),
	lib.resources_of_type("Custom::LogRetention"),
)

log_group_types := {"AWS::Logs::LogGroup", "Custom::LogRetention"}

name_path := ["properties", "LogGroupName"]

# Log groups whose name references a resource of the template (edge at LogGroupName).
named_after_resource contains e.from if {
	some e in input.edges
	e.via != "DependsOn"
	lib.has_prefix(e.path, name_path)
	input.resources[e.from].type in log_group_types
}

# (a) Functions whose log group name is "/aws/lambda/" followed by a reference to the
# function's name (Ref, or ${Fn} in a Sub; not ${Fn.Arn} or another attribute).
covered_by_reference contains fn if {
	some e in input.edges
	e.via in {"Ref", "Fn::Sub"}
	object.get(e, "attribute", null) == null
	lib.has_prefix(e.path, name_path)
	lg := input.resources[e.from]
	lg.type in log_group_types
	fn := e.to
	input.resources[fn].kind == "aws_lambda_function"
	text := lib.unknown_text(lib.get(lg, name_path))
	names_lambda_group(text, fn)
}

# The unknown's source text, quotes and white space removed, reads
# /aws/lambda/${Fn} (Fn::Sub) or /aws/lambda/ followed by a Ref to Fn (Fn::Join,
# flow or block style), with nothing after the reference but closing brackets or a
# YAML comment that the source span may include. Logical ids are [A-Za-z0-9].
names_lambda_group(text, fn) if {
	regex.match(`^[A-Za-z0-9]+$`, fn)
	t := regex.replace(text, "[ \t\r\n\"']", "")
	regex.match(sprintf(`/aws/lambda/\$\{%s\}([}\],#]|$)`, [fn]), t)
}

names_lambda_group(text, fn) if {
	regex.match(`^[A-Za-z0-9]+$`, fn)
	t := regex.replace(text, "[ \t\r\n\"']", "")
	regex.match(sprintf(`/aws/lambda/[,-]*(!Ref|\{?Ref:)%s([}\],#]|$)`, [fn]), t)
}

# (b) Literal log group names.
literal_names contains name if {
	some lg in log_groups
	name := lib.get(lg, name_path)
	is_string(name)
}

# A log group whose name is unknown and not derived from a resource may carry any
# function's name, unless its text shows a path that is not /aws/lambda/.
wildcard_log_groups contains lg.address if {
	some lg in log_groups
	text := lib.unknown_text(lib.get(lg, name_path))
	not named_after_resource[lg.address]
	could_name_lambda_group(text)
}

could_name_lambda_group(text) if contains(text, "/aws/lambda/")

could_name_lambda_group(text) if not contains(text, "/")

# Some log group of the unit is literally named /aws/lambda/...: it may be the group of
# a function whose name is unknown.
any_literal_lambda_group if {
	some name in literal_names
	startswith(name, "/aws/lambda/")
}

covered(fn) if {
	cfg := lib.get(fn, ["properties", "LoggingConfig", "LogGroup"])
	cfg != null
}

covered(fn) if covered_by_reference[fn.address]

covered(fn) if {
	name := lib.get(fn, ["properties", "FunctionName"])
	is_string(name)
	concat("", ["/aws/lambda/", name]) in literal_names
}

covered(fn) if {
	lib.is_unknown(lib.get(fn, ["properties", "FunctionName"]))
	any_literal_lambda_group
}

covered(_) if count(wildcard_log_groups) > 0

findings contains f if {
	some fn in lib.resources("aws_lambda_function")
	not lib.is_unknown(fn.properties)
	not covered(fn)
	f := object.union(
		lib.finding(fn, ["properties", "LoggingConfig", "LogGroup"], message(fn)),
		{"fix": sprintf("declare an AWS::Logs::LogGroup with LogGroupName: !Sub \"/aws/lambda/${%s}\" and RetentionInDays (or set LoggingConfig.LogGroup)", [fn.address])},
	)
}

message(fn) := sprintf("function %s has no log group in this template: none is named /aws/lambda/%s and LoggingConfig.LogGroup is not set, so Lambda creates the group itself with logs kept forever", [fn.address, name]) if {
	name := lib.get(fn, ["properties", "FunctionName"])
	is_string(name)
} else := sprintf("function %s has no log group in this template: none is named after it (/aws/lambda/${%s}) and LoggingConfig.LogGroup is not set, so Lambda creates the group itself with logs kept forever", [fn.address, fn.address])
