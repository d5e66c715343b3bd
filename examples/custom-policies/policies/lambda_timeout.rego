# ACME-001: every Lambda function sets its timeout on purpose.
#
# Without `Timeout` (CloudFormation, SAM incl. Globals) / `timeout` (Terraform) a
# function gets Lambda's default of 3 seconds, which slow dependencies turn into
# timeouts nobody planned for. Unknown values (a parameter or variable without a
# default) never fail.
package acme.lambda_timeout

import data.opsgate.lib

metadata := {
	"id": "ACME-001",
	"title": "Lambda functions set a timeout",
	"severity": "low",
	"area": "Prepare",
	"section": "Design for operations",
	"best_practice": "Use configuration management systems",
	"description": "A function without an explicit timeout runs with Lambda's 3-second default, chosen by nobody.",
	"remediation": {
		"cloudformation": "Set Timeout on the function (or under Globals.Function for SAM).",
		"terraform": "Set timeout on the aws_lambda_function.",
	},
	"config_rule": null,
	"kinds": ["aws_lambda_function"],
	"formats": ["cloudformation", "terraform"],
}

timeout_path := ["properties", "Timeout"] if lib.is_cloudformation

timeout_path := ["properties", "timeout"] if lib.is_terraform

findings contains f if {
	some fn in lib.resources("aws_lambda_function")
	lib.get(fn, timeout_path) == null
	f := lib.finding(fn, timeout_path, sprintf("function %s has no timeout: Lambda uses 3 seconds", [fn.address]))
}
