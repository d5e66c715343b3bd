# OPS-TEL-006: every HTTP or WebSocket API stage writes access logs.
#
# AWS::ApiGatewayV2::Stage and SAM AWS::Serverless::HttpApi (both canonical kind
# aws_apigatewayv2_stage; SAM's Globals.HttpApi is already merged into the HttpApi's
# properties): the property is `AccessLogSettings` (plural, unlike the REST API's
# AccessLogSetting) with `DestinationArn` (a CloudWatch Logs log group) and `Format`. The
# CloudFormation docs say both are "required to enable access logging", so a stage fails
# when AccessLogSettings is missing, when it has no DestinationArn (or an empty one), and
# when it has a destination but no Format. (The CDK's L1 CfnHttpApi spells the SAM
# property `AccessLogSetting`; the SAM specification, which wins, has AccessLogSettings.)
#
# Terraform (aws_apigatewayv2_stage, HTTP and WebSocket alike): an `access_log_settings`
# block (provider docs: `destination_arn` and `format` are both required in it). A stage
# without the block is reported at the resource header; an empty destination_arn or
# format at its value.
#
# SAM's implicit HTTP API (ServerlessHttpApi, created by a function's `HttpApi` event
# without ApiId) is an AWS::Serverless::HttpApi of the input whose properties are
# Globals.HttpApi (meta.implicit names the event): it is reported at that event, or at
# the Globals value, and fixed under Globals.HttpApi.
#
# Not reported, because there is no stage resource to point at: the `$default` stage
# that quick create makes (AWS::ApiGatewayV2::Api `Target`, aws_apigatewayv2_api
# `target`), whose access logs cannot be configured at creation.
#
# Unknown never fails: an unknown AccessLogSettings / access_log_settings (Fn::If, a
# dynamic block), DestinationArn or Format is silent.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent.
package opsgate.rules.tel_006

import data.opsgate.lib

metadata := {
	"id": "OPS-TEL-006",
	"title": "HTTP and WebSocket API stages write access logs",
	"severity": "medium",
	"area": "Prepare",
	"section": "Design Telemetry",
	"best_practice": "Implement application telemetry",
	"description": concat(" ", [
		"Access logs are the record of who called an API, which route, with what status and",
		"latency: the first thing an on-call engineer needs to tell a client error from a",
		"backend fault, and the input for dashboards and alarms on 4xx/5xx rates per route.",
		"API Gateway writes them only when the stage names a destination (a CloudWatch Logs",
		"log group) and a format; without them an HTTP or WebSocket API stage keeps",
		"no per-request record.",
	]),
	"remediation": {
		"cloudformation": "Set `AccessLogSettings` with `DestinationArn` (e.g. `!GetAtt ApiAccessLogs.Arn` of an AWS::Logs::LogGroup) and a `Format` that includes `$context.requestId` on the AWS::ApiGatewayV2::Stage (SAM: on the AWS::Serverless::HttpApi or under `Globals.HttpApi`).",
		"terraform": "Add `access_log_settings { destination_arn = aws_cloudwatch_log_group.x.arn, format = jsonencode({...}) }` (the format must include `$context.requestId`) to the aws_apigatewayv2_stage.",
	},
	"config_rule": null,
	"kinds": ["aws_apigatewayv2_stage"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

# The resource's name in messages: "stage Prod", "API OrdersApi" (SAM), or SAM's
# implicit API with the event that creates it.
what(r) := sprintf("implicit API %s (SAM creates it for the HttpApi event %s of %s)", [r.address, r.meta.implicit.event, r.meta.implicit.created_by]) if r.meta.implicit

else := sprintf("API %s", [r.address]) if r.type == "AWS::Serverless::HttpApi"

else := sprintf("stage %s", [r.address])

fix_cfn(r) := "set AccessLogSettings (DestinationArn and Format) under Globals.HttpApi, where SAM's implicit API takes its settings from" if r.meta.implicit

else := "set AccessLogSettings (DestinationArn and Format) on the API or under Globals.HttpApi" if r.type == "AWS::Serverless::HttpApi"

else := "set AccessLogSettings with DestinationArn and Format on the stage"

fix_tf := "add an access_log_settings { destination_arn, format } block to the stage"

# CloudFormation / SAM: no AccessLogSettings, or one without a DestinationArn.
findings contains f if {
	lib.is_cloudformation
	some s in lib.resources("aws_apigatewayv2_stage")
	settings := lib.get(s, ["properties", "AccessLogSettings"])
	not lib.is_unknown(settings)
	path := ["properties", "AccessLogSettings", "DestinationArn"]
	dest := lib.get(s, path)
	not lib.is_unknown(dest)
	lib.is_empty(dest)
	msg := cfn_message(s, settings, dest)
	f := object.union(lib.finding(s, path, msg), {"fix": fix_cfn(s)})
}

cfn_message(s, null, _) := sprintf("%s has AccessLogSetting (the REST API spelling) but no AccessLogSettings, so API Gateway writes no access logs for it", [what(s)]) if {
	object.get(s, ["properties", "AccessLogSetting"], null) != null
} else := sprintf("%s has no AccessLogSettings, so API Gateway writes no access logs for it", [what(s)])

cfn_message(s, settings, null) := sprintf("%s has an AccessLogSettings without DestinationArn, so API Gateway writes no access logs for it", [what(s)]) if settings != null

cfn_message(s, settings, dest) := sprintf("%s has an empty AccessLogSettings.DestinationArn, so API Gateway writes no access logs for it", [what(s)]) if {
	settings != null
	dest != null
}

# CloudFormation / SAM: a destination (known or not) but no Format.
findings contains f if {
	lib.is_cloudformation
	some s in lib.resources("aws_apigatewayv2_stage")
	dest := lib.get(s, ["properties", "AccessLogSettings", "DestinationArn"])
	not lib.is_empty(dest) # set, possibly unknown (a GetAtt to a log group)
	path := ["properties", "AccessLogSettings", "Format"]
	fmt := lib.get(s, path)
	not lib.is_unknown(fmt)
	lib.is_empty(fmt)
	msg := sprintf("%s has an AccessLogSettings without a Format; API Gateway needs both DestinationArn and Format to write access logs", [what(s)])
	f := object.union(lib.finding(s, path, msg), {"fix": fix_cfn(s)})
}

# Terraform: no access_log_settings block (reported at the resource header).
findings contains f if {
	lib.is_terraform
	some s in lib.resources("aws_apigatewayv2_stage")
	block := lib.get(s, ["properties", "access_log_settings"])
	lib.is_empty(block)
	msg := sprintf("stage %s has no access_log_settings block, so API Gateway writes no access logs for it", [s.address])
	f := object.union(lib.finding(s, ["properties", "access_log_settings"], msg), {"fix": fix_tf})
}

# Terraform: a block whose destination_arn or format is empty.
findings contains f if {
	lib.is_terraform
	some s in lib.resources("aws_apigatewayv2_stage")
	block := lib.get(s, ["properties", "access_log_settings"])
	not lib.is_unknown(block)
	not lib.is_empty(block)
	some attr in ["destination_arn", "format"]
	path := ["properties", "access_log_settings", 0, attr]
	v := lib.get(s, path)
	not lib.is_unknown(v)
	lib.is_empty(v)
	msg := sprintf("stage %s has access_log_settings with an empty %s, so API Gateway writes no access logs for it", [s.address, attr])
	f := object.union(lib.finding(s, path, msg), {"fix": fix_tf})
}
