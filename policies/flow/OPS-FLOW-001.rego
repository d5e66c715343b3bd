# OPS-FLOW-001: Lambda functions run on a runtime that AWS still supports.
#
# Runtime (AWS::Lambda::Function, AWS::Serverless::Function; SAM Globals already merged)
# is looked up in data.opsgate.data.lambda_runtimes (policies/data/lambda_runtimes.json,
# taken from the AWS Lambda runtimes page) and compared with the scan date
# data.opsgate.config.today:
# - on or past its deprecation date: high;
# - deprecated within `warning_days` (default 180) days: medium.
# Silent for: no Runtime (container images), an unknown value, a runtime that is not in
# the table (newer than the table, or a typo that CloudFormation itself rejects), a
# runtime without a deprecation date.
#
# Terraform: aws_lambda_function `runtime` (provider docs: optional, "Identifier of the
# function's runtime", the same identifiers as the Lambda API), same table and logic.
# Silent when `runtime` is absent or null (package_type = "Image"), and when it is
# unknown (`var.runtime` without default, a conditional on an unknown value): unknown
# never fails.
#
# Terraform plan: the planned `runtime`, same table and logic. The provider refuses to plan
# a Zip function whose runtime is not known; an image function's runtime is null. With
# count/for_each each planned instance is a resource of its own, checked with its runtime.
package opsgate.rules.flow_001

import data.opsgate.lib

metadata := {
	"id": "OPS-FLOW-001",
	"title": "Lambda runtimes are supported",
	"severity": "high",
	"area": "Prepare",
	"section": "Improve Flow",
	"best_practice": "Perform patch management",
	"description": concat(" ", [
		"Once AWS deprecates a Lambda runtime it stops applying security patches to it and the",
		"function loses technical support; later Lambda blocks creating and then updating",
		"functions on it, so an urgent fix can no longer be deployed until the runtime is",
		"migrated. Upgrading ahead of the published deprecation date keeps patching routine",
		"instead of an emergency. Dates come from the AWS Lambda runtimes documentation",
		"(policies/data/lambda_runtimes.json); findings within `warning_days` (default 180)",
		"of deprecation are medium.",
	]),
	"remediation": {
		"cloudformation": "Change `Runtime` to a supported identifier of the same language (for example nodejs24.x, python3.14, java25, dotnet10, ruby3.4, provided.al2023), on the function or in SAM `Globals.Function`, then test and redeploy.",
		"terraform": "Change `runtime` of the aws_lambda_function to a supported identifier of the same language (for example nodejs24.x, python3.14, java25, dotnet10, ruby3.4, provided.al2023), then test and apply.",
	},
	"config_rule": "lambda-function-settings-check",
	"kinds": ["aws_lambda_function"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
	"parameters": {"warning_days": 180},
}

table := object.get(data.opsgate.data, ["lambda_runtimes", "runtimes"], {})

warning_days := lib.param(metadata.id, "warning_days", metadata.parameters.warning_days)

# Where the runtime is: CloudFormation `Runtime`, Terraform `runtime`.
path := ["properties", "Runtime"] if lib.is_cloudformation

path := ["properties", "runtime"] if lib.is_terraform

# The attribute's name as the user writes it, for messages and fixes.
attribute := "Runtime" if lib.is_cloudformation

attribute := "runtime" if lib.is_terraform

# Deprecated: on or past the deprecation date.
findings contains f if {
	some fn in lib.resources("aws_lambda_function")
	runtime := lib.get(fn, path)
	is_string(runtime)
	entry := table[runtime]
	days := lib.days_until(entry.deprecation)
	days <= 0
	msg := sprintf("function %s uses runtime %s (%s), deprecated by AWS Lambda since %s: it no longer gets security patches", [fn.address, runtime, entry.name, entry.deprecation])
	f := object.union(lib.finding(fn, path, msg), {"severity": "high", "fix": fix(runtime)})
}

# Deprecated within the warning window.
findings contains f if {
	some fn in lib.resources("aws_lambda_function")
	runtime := lib.get(fn, path)
	is_string(runtime)
	entry := table[runtime]
	days := lib.days_until(entry.deprecation)
	days > 0
	days <= warning_days
	msg := sprintf("function %s uses runtime %s (%s), which AWS Lambda deprecates on %s, in %d days", [fn.address, runtime, entry.name, entry.deprecation, days])
	f := object.union(lib.finding(fn, path, msg), {"severity": "medium", "fix": fix(runtime)})
}

# Language family of a runtime (the table's `family`: nodejs22.x -> nodejs,
# dotnetcore3.1 -> dotnet, go1.x -> provided, since Go runs on the OS-only runtimes).
family(id) := table[id].family

# The newest runtime of the same family in the table (latest deprecation date).
# Computed only for runtimes that have a finding (a function, not a rule: regorus
# evaluates every rule of a package on each evaluation), with the family looked up
# once.
successor(id) := max({[entry.deprecation, other] |
	fam := family(id)
	some other, entry in table
	entry.family == fam
	is_string(entry.deprecation)
})[1]

fix(runtime) := sprintf("change %s to %s (or another supported %s runtime) and test the function", [attribute, s, family(runtime)]) if {
	s := successor(runtime)
	s != runtime
} else := sprintf("change %s to a supported runtime and test the function", [attribute])
