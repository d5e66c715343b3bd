# OPS-TEL-003: every REST API stage writes access logs.
#
# AWS::ApiGateway::Stage and SAM AWS::Serverless::Api (both canonical kind
# aws_api_gateway_stage; SAM's Globals.Api is already merged into the Api's properties):
# the property is `AccessLogSetting` with `DestinationArn` (a CloudWatch Logs log group
# or a Firehose stream named amazon-apigateway-*) and `Format`. The CloudFormation docs
# say both are "required to enable access logging", so a stage fails when
# AccessLogSetting is missing, when it has no DestinationArn (or an empty one), and when
# it has a destination but no Format. The docs also require Format to contain
# $context.requestId; API Gateway rejects such a format at deployment, so it is not
# checked here.
#
# Terraform (aws_api_gateway_stage): an `access_log_settings` block (provider docs: both
# `destination_arn` and `format` are required in it). A stage without the block is
# reported at the resource header; an empty destination_arn or format at its value.
#
# SAM's implicit REST API (ServerlessRestApi, created by an `Api` event without
# RestApiId) is an AWS::Serverless::Api of the input whose properties are Globals.Api
# (meta.implicit names the event): it is reported at that event, or at the Globals
# value, and fixed under Globals.Api.
#
# Not reported, because there is no stage resource to point at: a stage created by
# AWS::ApiGateway::Deployment `StageName` / aws_api_gateway_deployment `stage_name`
# (settings in StageDescription), which has kind aws_api_gateway_deployment.
#
# Unknown never fails: an unknown AccessLogSetting / access_log_settings (Fn::If, a
# dynamic block), DestinationArn or Format (a Ref/GetAtt to a log group, a variable
# without value) is silent.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent.
package opsgate.rules.tel_003

import data.opsgate.lib

metadata := {
	"id": "OPS-TEL-003",
	"title": "REST API stages write access logs",
	"severity": "medium",
	"area": "Prepare",
	"section": "Design Telemetry",
	"best_practice": "Implement application telemetry",
	"description": concat(" ", [
		"Access logs are the record of who called an API, which route, with what status and",
		"latency: the first thing an on-call engineer needs to tell a client error from a",
		"backend fault, and the input for dashboards and alarms on 4xx/5xx rates per route.",
		"API Gateway writes them only when the stage names a destination (a CloudWatch Logs",
		"log group or a Firehose stream) and a format; without them a REST API stage keeps",
		"no per-request record.",
	]),
	"remediation": {
		"cloudformation": "Set `AccessLogSetting` with `DestinationArn` (e.g. `!GetAtt ApiAccessLogs.Arn` of an AWS::Logs::LogGroup) and a `Format` that includes `$context.requestId` on the AWS::ApiGateway::Stage (SAM: on the AWS::Serverless::Api or under `Globals.Api`).",
		"terraform": "Add `access_log_settings { destination_arn = aws_cloudwatch_log_group.x.arn, format = jsonencode({...}) }` (the format must include `$context.requestId`) to the aws_api_gateway_stage.",
	},
	"config_rule": null,
	"kinds": ["aws_api_gateway_stage"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

# The resource's name in messages: "stage Prod", "API OrdersApi" (SAM), or SAM's
# implicit API with the event that creates it.
what(r) := sprintf("implicit API %s (SAM creates it for the Api event %s of %s)", [r.address, r.meta.implicit.event, r.meta.implicit.created_by]) if r.meta.implicit

else := sprintf("API %s", [r.address]) if r.type == "AWS::Serverless::Api"

else := sprintf("stage %s", [r.address])

fix_cfn(r) := "set AccessLogSetting (DestinationArn and Format) under Globals.Api, where SAM's implicit API takes its settings from" if r.meta.implicit

else := "set AccessLogSetting (DestinationArn and Format) on the API or under Globals.Api" if r.type == "AWS::Serverless::Api"

else := "set AccessLogSetting with DestinationArn and Format on the stage"

fix_tf := "add an access_log_settings { destination_arn, format } block to the stage"

# CloudFormation / SAM: no AccessLogSetting, or one without a DestinationArn.
findings contains f if {
	lib.is_cloudformation
	some s in lib.resources("aws_api_gateway_stage")
	settings := lib.get(s, ["properties", "AccessLogSetting"])
	not lib.is_unknown(settings)
	path := ["properties", "AccessLogSetting", "DestinationArn"]
	dest := lib.get(s, path)
	not lib.is_unknown(dest)
	lib.is_empty(dest)
	msg := cfn_message(s, settings, dest)
	f := object.union(lib.finding(s, path, msg), {"fix": fix_cfn(s)})
}

cfn_message(s, null, _) := sprintf("%s has no AccessLogSetting, so API Gateway writes no access logs for it", [what(s)])

cfn_message(s, settings, null) := sprintf("%s has an AccessLogSetting without DestinationArn, so API Gateway writes no access logs for it", [what(s)]) if settings != null

cfn_message(s, settings, dest) := sprintf("%s has an empty AccessLogSetting.DestinationArn, so API Gateway writes no access logs for it", [what(s)]) if {
	settings != null
	dest != null
}

# CloudFormation / SAM: a destination (known or not) but no Format.
findings contains f if {
	lib.is_cloudformation
	some s in lib.resources("aws_api_gateway_stage")
	dest := lib.get(s, ["properties", "AccessLogSetting", "DestinationArn"])
	not lib.is_empty(dest) # set, possibly unknown (a GetAtt to a log group)
	path := ["properties", "AccessLogSetting", "Format"]
	fmt := lib.get(s, path)
	not lib.is_unknown(fmt)
	lib.is_empty(fmt)
	msg := sprintf("%s has an AccessLogSetting without a Format; API Gateway needs both DestinationArn and Format to write access logs", [what(s)])
	f := object.union(lib.finding(s, path, msg), {"fix": fix_cfn(s)})
}

# Terraform: no access_log_settings block (reported at the resource header).
findings contains f if {
	lib.is_terraform
	some s in lib.resources("aws_api_gateway_stage")
	block := lib.get(s, ["properties", "access_log_settings"])
	lib.is_empty(block)
	msg := sprintf("stage %s has no access_log_settings block, so API Gateway writes no access logs for it", [s.address])
	f := object.union(lib.finding(s, ["properties", "access_log_settings"], msg), {"fix": fix_tf})
}

# Terraform: a block whose destination_arn or format is empty.
findings contains f if {
	lib.is_terraform
	some s in lib.resources("aws_api_gateway_stage")
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
