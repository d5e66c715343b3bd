# OPS-TEL-001: every Lambda function traces requests with AWS X-Ray (active tracing).
#
# AWS::Lambda::Function: TracingConfig.Mode must be "Active" (allowed values: Active |
# PassThrough; without TracingConfig Lambda uses PassThrough, which only traces requests
# that arrive with a sampled trace header). AWS::Serverless::Function: Tracing must be
# "Active" (allowed: Active | PassThrough | Disabled); Globals.Function.Tracing is
# already merged into the function's properties by opsgate. Values are case-sensitive.
#
# Terraform (aws_lambda_function): the `tracing_config` block's `mode` must be "Active"
# (provider docs: the block is optional, `mode` is required in it, valid values Active |
# PassThrough; without the block Lambda uses PassThrough). Nested blocks are lists of
# objects in the input, so the value is at tracing_config[0].mode. A function without
# the block is reported at the resource header, a wrong mode at its value.
#
# Terraform plan (same checks on the planned values): a block the configuration does not
# write is absent from the plan input (opsgate drops what the provider computes and the
# configuration does not set): that is the missing block (PassThrough), reported at the
# resource's address. A function already deployed keeps
# the mode Lambda reported in the plan (`[{"mode": "PassThrough"}]` when the block was
# never written), reported at that value.
#
# Unknown never fails (all formats): an unknown mode (a variable without default, a
# conditional; in a plan, a mode built from another resource's attribute), an unknown
# TracingConfig/Tracing, or a `dynamic "tracing_config"` block (unknown as a whole) in
# configuration is silent. (A plan does not show dynamic blocks: one over a collection
# known only after apply looks like an omitted block there.)
package opsgate.rules.tel_001

import data.opsgate.lib

metadata := {
	"id": "OPS-TEL-001",
	"title": "Lambda functions trace transactions",
	"severity": "medium",
	"area": "Prepare",
	"section": "Design Telemetry",
	"best_practice": "Implement transaction traceability",
	"description": concat(" ", [
		"A request that crosses API Gateway, Lambda, queues and databases can only be followed",
		"end to end when every function records a trace. With active X-Ray tracing Lambda samples",
		"and records requests even when the caller sent no trace header, so latency and errors",
		"can be attributed to the right component during an incident. Without it (PassThrough,",
		"the Lambda default, or Disabled in SAM) a trace stops at the function.",
	]),
	"remediation": {
		"cloudformation": "Set `TracingConfig: {Mode: Active}` on the AWS::Lambda::Function (SAM: `Tracing: Active` on the function or under `Globals.Function`), and give the execution role the `xray:PutTraceSegments` and `xray:PutTelemetryRecords` permissions (managed policy AWSXRayDaemonWriteAccess).",
		"terraform": "Add `tracing_config { mode = \"Active\" }` to the aws_lambda_function and attach the AWSXRayDaemonWriteAccess policy (or equivalent xray:PutTraceSegments/PutTelemetryRecords permissions) to its role.",
	},
	"config_rule": "lambda-function-xray-enabled",
	"kinds": ["aws_lambda_function"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

fix_lambda := "set TracingConfig.Mode to Active"

fix_sam := "set Tracing: Active on the function or under Globals.Function"

fix_tf := "add tracing_config { mode = \"Active\" } to the function"

# AWS::Lambda::Function without TracingConfig (or without TracingConfig.Mode).
findings contains f if {
	lib.is_cloudformation
	some fn in lib.resources("aws_lambda_function")
	fn.type != "AWS::Serverless::Function"
	path := ["properties", "TracingConfig", "Mode"]
	lib.get(fn, path) == null
	msg := sprintf("function %s has no TracingConfig.Mode, so Lambda uses PassThrough and does not sample requests itself", [fn.address])
	f := object.union(lib.finding(fn, path, msg), {"fix": fix_lambda})
}

# AWS::Lambda::Function with a mode other than Active.
findings contains f if {
	lib.is_cloudformation
	some fn in lib.resources("aws_lambda_function")
	fn.type != "AWS::Serverless::Function"
	path := ["properties", "TracingConfig", "Mode"]
	mode := lib.get(fn, path)
	mode != null
	not lib.is_unknown(mode)
	mode != "Active"
	f := object.union(lib.finding(fn, path, mode_message(fn, "tracing mode", mode)), {"fix": fix_lambda})
}

# AWS::Serverless::Function without Tracing (none on the function, none in Globals).
findings contains f if {
	lib.is_cloudformation
	some fn in lib.resources("aws_lambda_function")
	fn.type == "AWS::Serverless::Function"
	path := ["properties", "Tracing"]
	lib.get(fn, path) == null
	msg := sprintf("function %s sets no Tracing (neither on the function nor in Globals.Function), so X-Ray does not sample its requests", [fn.address])
	f := object.union(lib.finding(fn, path, msg), {"fix": fix_sam})
}

# AWS::Serverless::Function with Tracing other than Active.
findings contains f if {
	lib.is_cloudformation
	some fn in lib.resources("aws_lambda_function")
	fn.type == "AWS::Serverless::Function"
	path := ["properties", "Tracing"]
	mode := lib.get(fn, path)
	mode != null
	not lib.is_unknown(mode)
	mode != "Active"
	f := object.union(lib.finding(fn, path, mode_message(fn, "Tracing", mode)), {"fix": fix_sam})
}

# Terraform: aws_lambda_function without a tracing_config block (PassThrough); in a
# plan, a block the provider computes. The path stops at the block, so the finding
# points at the resource header (in a plan, at the resource's address).
findings contains f if {
	lib.is_terraform
	some fn in lib.resources("aws_lambda_function")
	no_tracing_block(fn)
	msg := sprintf("function %s has no tracing_config block, so Lambda uses PassThrough and does not sample requests itself", [fn.address])
	f := object.union(lib.finding(fn, ["properties", "tracing_config"], msg), {"fix": fix_tf})
}

no_tracing_block(fn) if lib.get(fn, ["properties", "tracing_config"]) == null


# Terraform: a tracing_config block whose mode is not Active (or, in an invalid
# configuration, is missing: the path then points at the block).
findings contains f if {
	lib.is_terraform
	some fn in lib.resources("aws_lambda_function")
	block := lib.get(fn, ["properties", "tracing_config"])
	block != null
	not lib.is_unknown(block)
	path := ["properties", "tracing_config", 0, "mode"]
	mode := lib.get(fn, path)
	not lib.is_unknown(mode)
	mode != "Active"
	f := object.union(lib.finding(fn, path, tf_message(fn, mode)), {"fix": fix_tf})
}

tf_message(fn, null) := sprintf("function %s has a tracing_config block without mode", [fn.address])

tf_message(fn, mode) := mode_message(fn, "tracing_config mode", mode) if mode != null

# "active", "ACTIVE": the intent is right but the value is case-sensitive.
mode_message(fn, what, mode) := sprintf("function %s has %s %q; the value is case-sensitive, use \"Active\"", [fn.address, what, mode]) if {
	is_string(mode)
	lower(mode) == "active"
} else := sprintf("function %s has %s %v instead of Active", [fn.address, what, mode])
