# OPS-TEL-004: every REST API stage traces requests with AWS X-Ray (active tracing).
#
# AWS::ApiGateway::Stage and SAM AWS::Serverless::Api (both canonical kind
# aws_api_gateway_stage; SAM's Globals.Api is already merged into the Api's properties):
# `TracingEnabled` must be true (a boolean; CloudFormation also accepts the string
# "true"). Absent means false: API Gateway then only passes on traces that upstream
# callers started ("passive" tracing) and samples nothing itself. A missing property is
# reported at the resource's name, false at its value.
#
# Terraform (aws_api_gateway_stage): `xray_tracing_enabled` must be true (optional in the
# provider, default false). A missing attribute is reported at the resource header.
#
# HTTP APIs (AWS::ApiGatewayV2 / SAM HttpApi) do not support X-Ray and are not checked.
# SAM's implicit REST API (ServerlessRestApi, created by an `Api` event without
# RestApiId) is an AWS::Serverless::Api of the input whose properties are Globals.Api
# (meta.implicit names the event): it is reported at that event, or at the Globals
# value, and fixed under Globals.Api.
# Not reported, because there is no stage resource to point at: a stage created by
# AWS::ApiGateway::Deployment `StageName` (StageDescription) /
# aws_api_gateway_deployment `stage_name` (kind aws_api_gateway_deployment).
#
# Unknown never fails: an unknown TracingEnabled / xray_tracing_enabled (a parameter
# without default, Fn::If, a variable without value) is silent.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent.
package opsgate.rules.tel_004

import data.opsgate.lib

metadata := {
	"id": "OPS-TEL-004",
	"title": "REST API stages trace with X-Ray",
	"severity": "low",
	"area": "Prepare",
	"section": "Design Telemetry",
	"best_practice": "Implement transaction traceability",
	"description": concat(" ", [
		"API Gateway is where most requests enter a serverless workload. With active X-Ray",
		"tracing on the stage, API Gateway samples requests itself and starts the trace, so",
		"a request can be followed through the integration (Lambda, HTTP backends, AWS",
		"services) and the time spent in API Gateway is visible. Without it (the default)",
		"the stage only forwards traces that a caller already started, and most requests",
		"cannot be followed end to end during an incident.",
	]),
	"remediation": {
		"cloudformation": "Set `TracingEnabled: true` on the AWS::ApiGateway::Stage (SAM: on the AWS::Serverless::Api or under `Globals.Api`).",
		"terraform": "Set `xray_tracing_enabled = true` on the aws_api_gateway_stage.",
	},
	"config_rule": "api-gw-xray-enabled",
	"kinds": ["aws_api_gateway_stage"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

what(r) := sprintf("implicit API %s (SAM creates it for the Api event %s of %s)", [r.address, r.meta.implicit.event, r.meta.implicit.created_by]) if r.meta.implicit

else := sprintf("API %s", [r.address]) if r.type == "AWS::Serverless::Api"

else := sprintf("stage %s", [r.address])

fix_cfn(r) := "set TracingEnabled: true under Globals.Api, where SAM's implicit API takes its settings from" if r.meta.implicit

else := "set TracingEnabled: true on the API or under Globals.Api" if r.type == "AWS::Serverless::Api"

else := "set TracingEnabled: true on the stage"

fix_tf := "set xray_tracing_enabled = true on the stage"

# CloudFormation / SAM: TracingEnabled absent or not true.
findings contains f if {
	lib.is_cloudformation
	some s in lib.resources("aws_api_gateway_stage")
	path := ["properties", "TracingEnabled"]
	v := lib.get(s, path)
	not lib.is_unknown(v)
	not lib.is_true(v)
	f := object.union(lib.finding(s, path, message(s, v)), {"fix": fix_cfn(s)})
}

# Terraform: xray_tracing_enabled absent (header) or not true (value).
findings contains f if {
	lib.is_terraform
	some s in lib.resources("aws_api_gateway_stage")
	path := ["properties", "xray_tracing_enabled"]
	v := lib.get(s, path)
	not lib.is_unknown(v)
	not lib.is_true(v)
	f := object.union(lib.finding(s, path, message(s, v)), {"fix": fix_tf})
}

# CloudFormation / SAM.
message(s, null) := sprintf("%s does not set TracingEnabled, so API Gateway does not sample requests for X-Ray (passive tracing only)", [what(s)]) if lib.is_cloudformation

message(s, v) := sprintf("%s has TracingEnabled %s, so API Gateway does not sample requests for X-Ray", [what(s), json.marshal(v)]) if {
	lib.is_cloudformation
	v != null
}

# Terraform.
message(s, null) := sprintf("stage %s does not set xray_tracing_enabled (default false), so API Gateway does not sample requests for X-Ray", [s.address]) if lib.is_terraform

message(s, v) := sprintf("stage %s has xray_tracing_enabled = %s, so API Gateway does not sample requests for X-Ray", [s.address, json.marshal(v)]) if {
	lib.is_terraform
	v != null
}
