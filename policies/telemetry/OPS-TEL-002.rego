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
#
# Terraform (aws_lambda_function, aws_cloudwatch_log_group): a function passes when
#   1. `logging_config { log_group = ... }` is set (the provider requires log_format in
#      the block, log_group is optional: a block without log_group, or with log_group
#      null - a variable defaulting to null - does not count; the finding then points
#      at the block or the log_group line), or
#   2. an aws_cloudwatch_log_group's `name` is /aws/lambda/<function name>:
#      a) through a reference to the function: an edge log group -> function at `name`
#         plus, in its text, the literal "/aws/lambda/" right before the reference
#         (`"/aws/lambda/${aws_lambda_function.x.function_name}"`, also with an index
#         `x[0]`, the `id` attribute, which is the function name for this resource,
#         `format("/aws/lambda/%s", ...)` and `join("", ["/aws/lambda/", ...])`), or
#         right before a single `var.`/`local.`/`module.` reference when the edge shows
#         that the value comes from the function (its name passed through a module
#         input, output or local), or
#      b) literally, equal to "/aws/lambda/" + the function's known function_name, or
#      c) with the same unknown text: a function named `var.function_name` and a group
#         named `"/aws/lambda/${var.function_name}"` in the same module (compared as
#         template text, white space removed; terraform-aws-modules style).
#   A log group with `name_prefix` (a generated name) is never a function's group.
# Unknown never fails, as for CloudFormation: an unknown logging_config (a `dynamic`
# block) or log_group passes; a log group whose name is unknown and not built from a
# function - neither by an edge to one nor by the same text as one's name (2c; not
# when that text is per instance, `each.`/`count.`) - may be any function's group and silences the rule for the unit, unless its text shows a
# literal path other than /aws/lambda/; a function whose name is unknown passes as soon
# as some log group of the unit is literally named /aws/lambda/...; a log group whose
# count/for_each is unknown counts as existing.
#
# Terraform plan: the same checks on the planned values, where a name built from known
# parts is the resulting string (2b then covers 2a and 2c), with three differences:
# - logging_config: the provider computes the block and its log_group. A function created
#   without them has them absent from the plan input (opsgate drops what the provider
#   computes and the configuration does not set): not set. A deployed function carries the group Lambda
#   reported, /aws/lambda/<function name> when none was configured: that value counts only
#   through a log group of the plan with that name (2b), like an unset log_group. Any other
#   log_group, known or built from another resource, counts.
# - An unknown log group name has no source text in a plan ("known after apply"): a log
#   group whose unknown name references a function (an edge at `name`, e.g.
#   `"/aws/lambda/${aws_lambda_function.x.id}"`) may be its group and covers it.
# - A log group name the provider computes (`name_prefix`) is generated, never a
#   function's group, and no wildcard.
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
		"terraform": "Declare `aws_cloudwatch_log_group` with `name = \"/aws/lambda/${aws_lambda_function.this.function_name}\"` and `retention_in_days`, or point the aws_lambda_function at a declared group with `logging_config { log_format = \"JSON\", log_group = aws_cloudwatch_log_group.this.name }` (`log_format` is required in the block).",
	},
	"config_rule": null,
	"kinds": ["aws_lambda_function", "aws_cloudwatch_log_group"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
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
	lib.is_cloudformation
	cfg := lib.get(fn, ["properties", "LoggingConfig", "LogGroup"])
	cfg != null
}

covered(fn) if {
	lib.is_cloudformation
	covered_by_reference[fn.address]
}

covered(fn) if {
	lib.is_cloudformation
	name := lib.get(fn, ["properties", "FunctionName"])
	is_string(name)
	concat("", ["/aws/lambda/", name]) in literal_names
}

covered(fn) if {
	lib.is_cloudformation
	lib.is_unknown(lib.get(fn, ["properties", "FunctionName"]))
	any_literal_lambda_group
}

covered(_) if {
	lib.is_cloudformation
	count(wildcard_log_groups) > 0
}

# --- Terraform -------------------------------------------------------------------

tf_name_path := ["properties", "name"]

tf_log_group_path := ["properties", "logging_config", 0, "log_group"]

# White space is not significant in the expression texts compared below.
squeeze(text) := regex.replace(text, `\s+`, "")

# Log groups whose name references a function of the unit (edge at `name`).
tf_named_after_function contains e.from if {
	lib.is_terraform
	some e in input.edges
	lib.has_prefix(e.path, tf_name_path)
	input.resources[e.from].kind == "aws_cloudwatch_log_group"
	input.resources[e.to].kind == "aws_lambda_function"
}

# 2a: the edge log group -> function at `name`, with "/aws/lambda/" right before the
# reference in the name's text.
tf_covered_by_reference contains e.to if {
	lib.is_terraform
	some e in input.edges
	lib.has_prefix(e.path, tf_name_path)
	lg := input.resources[e.from]
	lg.kind == "aws_cloudwatch_log_group"
	fn := input.resources[e.to]
	fn.kind == "aws_lambda_function"
	text := squeeze(lib.unknown_text(lib.get(lg, tf_name_path)))
	some ref in tf_name_refs(fn)
	tf_lambda_group_of(text, ref)
}

# Regular expressions for what may follow "/aws/lambda/" and stand for the function's
# name: its own name attribute (references inside its module use the local address;
# with count/for_each an index follows), or one indirection through a variable (a
# module input), a local or a module output - the edge says the value is the function's.
tf_name_refs(fn) := {
	sprintf(`%s(\[[^\]]*\])?\.(function_name|id)`, [regex.replace(lib.local_block_address(fn), `\.`, `\.`)]),
	`(var|local|module)\.[A-Za-z0-9_.-]+`,
}

# "/aws/lambda/${<ref>}" closing the string, format("/aws/lambda/%s", <ref>) or
# join("", ["/aws/lambda/", <ref>]).
tf_lambda_group_of(text, ref) if regex.match(sprintf(`/aws/lambda/\$\{%s\}"`, [ref]), text)

tf_lambda_group_of(text, ref) if regex.match(sprintf(`format\("/aws/lambda/%%s",%s\)`, [ref]), text)

tf_lambda_group_of(text, ref) if regex.match(sprintf(`join\("",\["/aws/lambda/",%s\]\)`, [ref]), text)

# The template text of an unknown name: `"a-${var.x}"` -> `a-${var.x}`, `var.x` -> `${var.x}`.
tf_template(text) := substring(t, 1, count(t) - 2) if {
	t := squeeze(text)
	regex.match(`^".*"$`, t)
} else := sprintf("${%s}", [squeeze(text)])

# The template text after "/aws/lambda/" of an unknown log group name.
tf_lambda_suffix(text) := substring(t, count(`"/aws/lambda/`), count(t) - count(`"/aws/lambda/`) - 1) if {
	t := squeeze(text)
	regex.match(`^"/aws/lambda/.+"$`, t)
}

tf_lambda_suffix(text) := tf_template(x[1]) if {
	x := regex.find_all_string_submatch_n(`^format\("/aws/lambda/%s",(.+)\)$`, squeeze(text), 1)[0]
}

tf_lambda_suffix(text) := tf_template(x[1]) if {
	x := regex.find_all_string_submatch_n(`^join\("",\["/aws/lambda/",(.+)\]\)$`, squeeze(text), 1)[0]
}

# 2c: log groups and functions of one module whose unknown names have the same text,
# joined through an index of functions by module and name text (linear in the unit).
tf_functions_by_text[key] contains fn.address if {
	lib.is_terraform
	some fn in lib.resources("aws_lambda_function")
	text := lib.unknown_text(lib.get(fn, ["properties", "function_name"]))
	key := concat("|", [object.get(fn, ["meta", "module"], ""), tf_template(text)])
}

tf_same_text contains [lg.address, fn] if {
	lib.is_terraform
	some lg in lib.resources("aws_cloudwatch_log_group")
	suffix := tf_lambda_suffix(lib.unknown_text(lib.get(lg, tf_name_path)))
	key := concat("|", [object.get(lg, ["meta", "module"], ""), suffix])
	some fn in tf_functions_by_text[key]
}

tf_covered_by_text contains pair[1] if some pair in tf_same_text

# A log group attributed by text to a function is that function's group, not any
# function's - unless the text is per instance (each./count.), where the two resources
# may iterate over different collections.
tf_attributed_by_text contains pair[0] if {
	some pair in tf_same_text
	lg := input.resources[pair[0]]
	not regex.match(`(each|count)\.`, lib.unknown_text(lib.get(lg, tf_name_path)))
}

# Plan: the unknown name of a log group references the function; the plan has no text to
# check it against, so it may be the function's group.
tf_covered_by_reference contains e.to if {
	lib.is_plan
	some e in input.edges
	lib.has_prefix(e.path, tf_name_path)
	lg := input.resources[e.from]
	lg.kind == "aws_cloudwatch_log_group"
	input.resources[e.to].kind == "aws_lambda_function"
	lib.is_unknown(lib.get(lg, tf_name_path))
}

tf_literal_names contains name if {
	lib.is_terraform
	some lg in lib.resources("aws_cloudwatch_log_group")
	name := lib.get(lg, tf_name_path)
	is_string(name)
}

tf_wildcard_log_groups contains lg.address if {
	lib.is_terraform
	some lg in lib.resources("aws_cloudwatch_log_group")
	text := lib.unknown_text(lib.get(lg, tf_name_path))
	not tf_named_after_function[lg.address]
	not tf_attributed_by_text[lg.address]
	could_name_lambda_group(text)
}

covered(fn) if {
	lib.is_terraform
	not lib.is_plan
	lib.get(fn, tf_log_group_path) != null
}

# Plan: a log_group the configuration sets (known, or built from another resource), not
# one the provider computes or reads back as Lambda's default group.
covered(fn) if {
	lib.is_plan
	group := lib.get(fn, tf_log_group_path)
	group != null
	not tf_default_group(fn, group)
}

# The group Lambda uses when none is configured: /aws/lambda/<function name>.
tf_default_group(fn, group) if {
	name := lib.get(fn, ["properties", "function_name"])
	is_string(name)
	group == concat("", ["/aws/lambda/", name])
}

covered(fn) if {
	lib.is_terraform
	tf_covered_by_reference[fn.address]
}

covered(fn) if {
	lib.is_terraform
	tf_covered_by_text[fn.address]
}

covered(fn) if {
	lib.is_terraform
	name := lib.get(fn, ["properties", "function_name"])
	is_string(name)
	concat("", ["/aws/lambda/", name]) in tf_literal_names
}

covered(fn) if {
	lib.is_terraform
	lib.is_unknown(lib.get(fn, ["properties", "function_name"]))
	tf_any_literal_lambda_group
}

# Some log group of the unit is literally named /aws/lambda/...: it may be the group of
# a function whose name is unknown.
tf_any_literal_lambda_group if {
	some name in tf_literal_names
	startswith(name, "/aws/lambda/")
}

covered(_) if {
	lib.is_terraform
	count(tf_wildcard_log_groups) > 0
}

findings contains f if {
	lib.is_cloudformation
	some fn in lib.resources("aws_lambda_function")
	not lib.is_unknown(fn.properties)
	not covered(fn)
	f := object.union(
		lib.finding(fn, ["properties", "LoggingConfig", "LogGroup"], message(fn)),
		{"fix": sprintf("declare an AWS::Logs::LogGroup with LogGroupName: !Sub \"/aws/lambda/${%s}\" and RetentionInDays (or set LoggingConfig.LogGroup)", [fn.address])},
	)
}

# Terraform: the path points at logging_config when the block exists without
# log_group, else at the resource header.
findings contains f if {
	lib.is_terraform
	some fn in lib.resources("aws_lambda_function")
	not lib.is_unknown(fn.properties)
	not covered(fn)
	f := object.union(
		lib.finding(fn, tf_log_group_path, tf_message(fn)),
		{"fix": sprintf("declare an aws_cloudwatch_log_group with name = \"/aws/lambda/${%s.function_name}\" and retention_in_days (or set log_group, with log_format, in a logging_config block)", [lib.local_address(fn)])},
	)
}

tf_message(fn) := sprintf("function %s has no log group in this plan: it logs to /aws/lambda/%s, Lambda's default group, which no aws_cloudwatch_log_group declares, so Lambda created it itself with logs kept forever", [fn.address, name]) if {
	lib.is_plan
	name := lib.get(fn, ["properties", "function_name"])
	tf_default_group(fn, lib.get(fn, tf_log_group_path))
} else := sprintf("function %s has no log group in this %s: none is named /aws/lambda/%s and logging_config.log_group is not set, so Lambda creates the group itself with logs kept forever", [fn.address, tf_unit_noun, name]) if {
	name := lib.get(fn, ["properties", "function_name"])
	is_string(name)
} else := sprintf("function %s has no log group in this %s: none is named after it (/aws/lambda/${%s.function_name}) and logging_config.log_group is not set, so Lambda creates the group itself with logs kept forever", [fn.address, tf_unit_noun, lib.local_address(fn)])

tf_unit_noun := "plan" if lib.is_plan

else := "configuration"

message(fn) := sprintf("function %s has no log group in this template: none is named /aws/lambda/%s and LoggingConfig.LogGroup is not set, so Lambda creates the group itself with logs kept forever", [fn.address, name]) if {
	name := lib.get(fn, ["properties", "FunctionName"])
	is_string(name)
} else := sprintf("function %s has no log group in this template: none is named after it (/aws/lambda/${%s}) and LoggingConfig.LogGroup is not set, so Lambda creates the group itself with logs kept forever", [fn.address, fn.address])
