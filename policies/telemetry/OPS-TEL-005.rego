# OPS-TEL-005: REST API stages write execution logs to CloudWatch Logs.
#
# Execution logging is a method setting; valid levels are OFF | ERROR | INFO and the
# stage default is OFF. Like the AWS Config rule api-gw-execution-logging-enabled, the
# rule reads the stage-wide setting: the method setting for every resource and method
# (CloudFormation `ResourcePath: "/*"` with `HttpMethod: "*"`, Terraform `method_path =
# "*/*"`) must have logging level ERROR or INFO. Settings for single methods
# ("/~1orders" POST, "orders/POST") leave the rest of the stage without logs and do not
# count; a single method turned OFF under a logging stage is allowed.
#
# CloudFormation: AWS::ApiGateway::Stage `MethodSettings` (a list of MethodSetting);
# SAM AWS::Serverless::Api `MethodSettings` has the same shape (Globals.Api is merged
# into the resource by opsgate). A stage without MethodSettings, or whose stage-wide
# entry has no LoggingLevel, logs nothing (reported at MethodSettings / at the entry);
# a stage-wide entry with LoggingLevel OFF is reported at the value. SAM's implicit
# REST API (ServerlessRestApi, created by an `Api` event without RestApiId) takes its
# MethodSettings from Globals.Api: it is reported at that event, or at the Globals
# value. (Stages created by AWS::ApiGateway::Deployment StageDescription are not
# checked.)
#
# Terraform: an aws_api_gateway_stage is joined to the aws_api_gateway_method_settings
# whose `stage_name` references it (`aws_api_gateway_stage.x.stage_name`; an edge at
# stage_name). A stage without a "*/*" method settings resource is reported at its
# header; a "*/*" one whose settings { logging_level } is OFF or unset is reported on
# the method settings resource, at the value (or at the block when it is unset).
#
# Unknown never fails: an unknown MethodSettings list, entry, ResourcePath, HttpMethod
# or LoggingLevel (a parameter without default, `!If`) is silent for that stage; so is
# a Terraform method settings with unknown method_path or logging_level, or a dynamic
# settings block. A method settings resource whose stage_name is unknown and references
# no stage of the unit (a variable) may configure any stage: the rule is silent for the
# whole unit.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent. Joins follow the edges from the
# configuration's references, as in Terraform configuration.
package opsgate.rules.tel_005

import data.opsgate.lib

metadata := {
	"id": "OPS-TEL-005",
	"title": "REST API execution logging is on",
	"severity": "low",
	"area": "Prepare",
	"section": "Design Telemetry",
	"best_practice": "Implement application telemetry",
	"description": concat(" ", [
		"API Gateway execution logs show what happened inside a REST API request: the",
		"authorizer decision, the mapping templates, the integration request and response,",
		"and why API Gateway returned a 4xx or 5xx. Access logs only show the outcome. With",
		"execution logging OFF (the default) failed integrations and throttling cannot be",
		"diagnosed after the fact.",
	]),
	"remediation": {
		"cloudformation": "Add `MethodSettings: [{ResourcePath: \"/*\", HttpMethod: \"*\", LoggingLevel: ERROR}]` (or INFO) to the AWS::ApiGateway::Stage or AWS::Serverless::Api, and set the account's CloudWatch Logs role (AWS::ApiGateway::Account CloudWatchRoleArn).",
		"terraform": "Add an aws_api_gateway_method_settings with `stage_name = aws_api_gateway_stage.<name>.stage_name`, `method_path = \"*/*\"` and `settings { logging_level = \"ERROR\" }` (or INFO), and set the account's CloudWatch role (aws_api_gateway_account).",
	},
	"config_rule": "api-gw-execution-logging-enabled",
	"kinds": ["aws_api_gateway_stage", "aws_api_gateway_method_settings"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

logging_levels := {"ERROR", "INFO"}

ms_path := ["properties", "MethodSettings"]

# --- CloudFormation -------------------------------------------------------------

# An entry whose scope cannot be known (it may be the stage-wide entry).
uncertain_entry(s) if {
	settings := lib.get(s, ms_path)
	is_array(settings)
	some i, _ in settings
	some key in ["ResourcePath", "HttpMethod"]
	v := lib.get(s, array.concat(ms_path, [i, key]))
	not is_string(v)
}

stage_wide_entries(s) := [i |
	settings := lib.get(s, ms_path)
	is_array(settings)
	some i, e in settings
	e.ResourcePath == "/*"
	e.HttpMethod == "*"
]

cfn_entry_logs(s, i) if lib.get(s, array.concat(ms_path, [i, "LoggingLevel"])) in logging_levels

cfn_entry_logs(s, i) if lib.is_unknown(lib.get(s, array.concat(ms_path, [i, "LoggingLevel"])))

# The resource's name in messages: "stage Prod", or SAM's implicit API with the event
# that creates it.
what(r) := sprintf("implicit API %s (SAM creates it for the Api event %s of %s)", [r.address, r.meta.implicit.event, r.meta.implicit.created_by]) if r.meta.implicit

else := sprintf("stage %s", [r.address])

cfn_fix(r) := concat("", [cfn_fix_entry, " under Globals.Api, where SAM's implicit API takes its settings from"]) if r.meta.implicit

else := cfn_fix_entry

cfn_fix_entry := "add a MethodSettings entry with ResourcePath \"/*\", HttpMethod \"*\" and LoggingLevel ERROR or INFO"

cfn_level_fix(r) := "set LoggingLevel to ERROR or INFO in the stage-wide method setting under Globals.Api" if r.meta.implicit

else := "set LoggingLevel to ERROR or INFO in the stage-wide method setting"

findings contains f if {
	lib.is_cloudformation
	some s in lib.resources("aws_api_gateway_stage")
	lib.is_empty(lib.get(s, ms_path))
	msg := sprintf("%s has no MethodSettings, so execution logging stays OFF", [what(s)])
	f := object.union(lib.finding(s, ms_path, msg), {"fix": cfn_fix(s)})
}

findings contains f if {
	lib.is_cloudformation
	some s in lib.resources("aws_api_gateway_stage")
	settings := lib.get(s, ms_path)
	is_array(settings)
	count(settings) > 0
	not uncertain_entry(s)
	count(stage_wide_entries(s)) == 0
	msg := sprintf("%s has MethodSettings only for single methods and none for ResourcePath \"/*\" and HttpMethod \"*\", so execution logging is OFF for the rest of the stage", [what(s)])
	f := object.union(lib.finding(s, ms_path, msg), {"fix": cfn_fix(s)})
}

findings contains f if {
	lib.is_cloudformation
	some s in lib.resources("aws_api_gateway_stage")
	is_array(lib.get(s, ms_path))
	not uncertain_entry(s)
	wide := stage_wide_entries(s)
	not any_logs(s, wide)
	some i in wide
	path := array.concat(ms_path, [i, "LoggingLevel"])
	level := lib.get(s, path)
	f := object.union(lib.finding(s, path, cfn_level_message(s, level)), {"fix": cfn_level_fix(s)})
}

any_logs(s, wide) if {
	some i in wide
	cfn_entry_logs(s, i)
}

cfn_level_message(s, null) := sprintf("%s has a stage-wide method setting without LoggingLevel, so execution logging stays OFF", [what(s)])

cfn_level_message(s, level) := sprintf("%s has execution logging level %v instead of ERROR or INFO", [what(s), level]) if level != null

# --- Terraform ------------------------------------------------------------------

# Method settings resources per stage (edge at stage_name).
settings_of[e.to] contains e.from if {
	lib.is_terraform
	some e in input.edges
	e.via != "depends_on"
	lib.has_prefix(e.path, ["properties", "stage_name"])
	input.resources[e.from].kind == "aws_api_gateway_method_settings"
	input.resources[e.to].kind == "aws_api_gateway_stage"
}

traced contains e.from if {
	lib.is_terraform
	some e in input.edges
	lib.has_prefix(e.path, ["properties", "stage_name"])
	input.resources[e.to].kind == "aws_api_gateway_stage"
}

untraceable_settings if {
	lib.is_terraform
	some ms in lib.resources("aws_api_gateway_method_settings")
	lib.is_unknown(lib.get(ms, ["properties", "stage_name"]))
	not traced[ms.address]
}

level_path := ["properties", "settings", 0, "logging_level"]

# The method settings may cover the whole stage with logging on.
tf_covers(ms) if {
	lib.is_unknown(lib.get(ms, ["properties", "method_path"]))
}

tf_covers(ms) if {
	lib.get(ms, ["properties", "method_path"]) == "*/*"
	level := lib.get(ms, level_path)
	tf_level_ok(level)
}

tf_level_ok(level) if level in logging_levels

tf_level_ok(level) if lib.is_unknown(level)

stage_covered(addr) if {
	some a in object.get(settings_of, addr, set())
	tf_covers(input.resources[a])
}

stage_wide_settings(addr) := [a |
	some a in object.get(settings_of, addr, set())
	lib.get(input.resources[a], ["properties", "method_path"]) == "*/*"
]

findings contains f if {
	lib.is_terraform
	not untraceable_settings
	some s in lib.resources("aws_api_gateway_stage")
	not stage_covered(s.address)
	count(stage_wide_settings(s.address)) == 0
	msg := sprintf("stage %s has no aws_api_gateway_method_settings with method_path \"*/*\", so execution logging stays OFF", [s.address])
	fix := sprintf("add an aws_api_gateway_method_settings with stage_name = %s.stage_name, method_path = \"*/*\" and settings { logging_level = \"ERROR\" }", [lib.local_address(s)])
	f := object.union(lib.finding(s, [], msg), {"fix": fix})
}

findings contains f if {
	lib.is_terraform
	not untraceable_settings
	some s in lib.resources("aws_api_gateway_stage")
	not stage_covered(s.address)
	some a in stage_wide_settings(s.address)
	ms := input.resources[a]
	level := lib.get(ms, level_path)
	f := object.union(lib.finding(ms, level_path, tf_level_message(ms, s, level)), {"fix": "set settings { logging_level = \"ERROR\" } (or \"INFO\")"})
}

tf_level_message(ms, s, null) := sprintf("method settings %s for stage %s set no logging_level, so execution logging stays OFF", [ms.address, s.address])

tf_level_message(ms, s, level) := sprintf("method settings %s for stage %s set logging_level %v instead of ERROR or INFO", [ms.address, s.address, level]) if level != null
