# OPS-EVO-003: CloudTrail trails let their log files be validated.
#
# AWS::CloudTrail::Trail: EnableLogFileValidation must be true. It is optional and
# CloudTrail leaves validation off when it is not set (the Trail's
# LogFileValidationEnabled is false), so a trail without it, or with false, is
# reported: at the value when it is written, else at the missing property (the
# resource's name). CloudFormation accepts true and "true" alike.
#
# Terraform (aws_cloudtrail): `enable_log_file_validation` must be true (provider docs:
# optional, defaults to false). Absent is reported at the resource header, false at
# the value.
#
# Organization trails (IsOrganizationTrail / is_organization_trail) change nothing:
# validation is a property of the trail, and digest files are delivered for every
# member account's logs when it is on.
#
# Unknown never fails: a value from a parameter without default, a condition
# (Fn::If), an import or a variable without value is silent.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent.
package opsgate.rules.evo_003

import data.opsgate.lib

metadata := {
	"id": "OPS-EVO-003",
	"title": "Trail log files are validated",
	"severity": "low",
	"area": "Evolve",
	"section": "Learn, Share, and Improve",
	"best_practice": "Perform post-incident analysis",
	"description": concat(" ", [
		"A post-incident analysis that relies on CloudTrail logs must be able to trust",
		"them. With log file integrity validation CloudTrail delivers a signed digest file",
		"every hour, so `aws cloudtrail validate-logs` can prove that no log file was",
		"changed, deleted or forged after delivery. It is off unless the trail turns it on",
		"(EnableLogFileValidation / enable_log_file_validation, false by default).",
	]),
	"remediation": {
		"cloudformation": "Set `EnableLogFileValidation: true` on the AWS::CloudTrail::Trail.",
		"terraform": "Set `enable_log_file_validation = true` on the aws_cloudtrail (the provider default is false).",
	},
	"config_rule": "cloud-trail-log-file-validation-enabled",
	"kinds": ["aws_cloudtrail"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

# CloudFormation: EnableLogFileValidation not set (validation off).
findings contains f if {
	lib.is_cloudformation
	some t in lib.resources("aws_cloudtrail")
	path := ["properties", "EnableLogFileValidation"]
	lib.get(t, path) == null
	msg := sprintf("trail %s has no EnableLogFileValidation, so its log files cannot be proven unaltered", [t.address])
	f := object.union(lib.finding(t, path, msg), {"fix": sprintf("Set `EnableLogFileValidation: true` on %s.", [t.address])})
}

# CloudFormation: EnableLogFileValidation false.
findings contains f if {
	lib.is_cloudformation
	some t in lib.resources("aws_cloudtrail")
	path := ["properties", "EnableLogFileValidation"]
	lib.is_false(lib.get(t, path))
	msg := sprintf("trail %s has EnableLogFileValidation false, so its log files cannot be proven unaltered", [t.address])
	f := object.union(lib.finding(t, path, msg), {"fix": sprintf("Set `EnableLogFileValidation: true` on %s.", [t.address])})
}

# Terraform: enable_log_file_validation absent (provider default false).
findings contains f if {
	lib.is_terraform
	some t in lib.resources("aws_cloudtrail")
	path := ["properties", "enable_log_file_validation"]
	lib.get(t, path) == null
	msg := sprintf("trail %s has no enable_log_file_validation (default false), so its log files cannot be proven unaltered", [t.address])
	f := object.union(lib.finding(t, path, msg), {"fix": sprintf("Set `enable_log_file_validation = true` on %s.", [t.address])})
}

# Terraform: enable_log_file_validation = false.
findings contains f if {
	lib.is_terraform
	some t in lib.resources("aws_cloudtrail")
	path := ["properties", "enable_log_file_validation"]
	lib.is_false(lib.get(t, path))
	msg := sprintf("trail %s has enable_log_file_validation = false, so its log files cannot be proven unaltered", [t.address])
	f := object.union(lib.finding(t, path, msg), {"fix": sprintf("Set `enable_log_file_validation = true` on %s.", [t.address])})
}
