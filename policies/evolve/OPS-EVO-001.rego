# OPS-EVO-001: log groups keep their events for a deliberate, long enough period.
#
# A log group passes when RetentionInDays is set and is at least the rule parameter
# `min_retention_days` (default 30). Without RetentionInDays CloudWatch Logs keeps the
# events forever: nobody decided how long the logs matter, and storage grows without
# bound. The default minimum is 30 days, not the 365 of the AWS Config rule
# cw-loggroup-retention-period-check: 30 days covers a post-incident analysis started
# weeks after the event and a monthly operations review, while teams that must keep a
# year for compliance set `min_retention_days = 365` (or export to S3, which is what
# long-term storage should use).
#
# Also checked: the CDK's `Custom::LogRetention`, which sets the retention of a log
# group the template does not declare (a Lambda function's `logRetention`); without
# RetentionInDays it removes the retention policy (RetentionDays.INFINITE).
# Not checked: log groups of class DELIVERY, whose retention is fixed by the service.
# Unknown values never fail.
#
# Terraform: aws_cloudwatch_log_group `retention_in_days`. Absent means 0 in the
# provider, and 0 means the events never expire (provider docs), so both fail, with
# their own message; other values must reach the minimum. `log_group_class =
# "DELIVERY"` (or an unknown class) is skipped as in CloudFormation. A retention from a
# variable without a value, a data source or another resource is unknown and never
# fails.
#
# Terraform plan: `retention_in_days` is planned as 0 when not set (never expires).
# The provider computes `log_group_class`: a log group created without it has it absent
# from the plan input (opsgate drops what the provider computes and the configuration
# does not set), which is the default class STANDARD, so it is checked; a class built from another resource stays unknown
# and is skipped.
package opsgate.rules.evo_001

import data.opsgate.lib

# The configured minimum; a value that is not a number falls back to the default.
min_days := n if {
	n := lib.as_number(lib.param(metadata.id, "min_retention_days", metadata.parameters.min_retention_days))
} else := metadata.parameters.min_retention_days

metadata := {
	"id": "OPS-EVO-001",
	"title": "Log groups have a retention period",
	"severity": "medium",
	"area": "Evolve",
	"section": "Learn, Share, and Improve",
	"best_practice": "Perform post-incident analysis",
	"description": concat(" ", [
		"Post-incident analysis and operations reviews need the logs of the period they",
		"look at, and logs kept forever in CloudWatch grow in cost without anyone having",
		"decided they matter. Every log group should state its retention: long enough for",
		"the analyses the team runs (the configurable `min_retention_days`, 30 by",
		"default; set 365 where compliance asks for a year), with older data exported to",
		"Amazon S3 for long-term storage. CDK `Custom::LogRetention` resources are",
		"checked the same way.",
	]),
	"remediation": {
		"cloudformation": concat(" ", [
			"Set RetentionInDays on the AWS::Logs::LogGroup to one of the values CloudWatch",
			"Logs accepts (30, 60, 90, 180, 365, ...), at least the configured minimum; in the",
			"CDK set `retention` on the LogGroup (or `logRetention` on the function) to a",
			"finite RetentionDays.",
		]),
		"terraform": concat(" ", [
			"Set `retention_in_days` on the aws_cloudwatch_log_group to an accepted value at",
			"least the configured minimum (0, the default, means the events never expire).",
		]),
	},
	"config_rule": "cw-loggroup-retention-period-check",
	"kinds": ["aws_cloudwatch_log_group"],
	"types": ["Custom::LogRetention"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
	"parameters": {"min_retention_days": 30},
}

# The log group class property in the unit's format.
class_attr := "LogGroupClass" if lib.is_cloudformation

class_attr := "log_group_class" if lib.is_terraform

# Log groups, and the CDK's retention setters for log groups outside the template.
log_groups := [r |
	lib.is_cloudformation
	some r in lib.resources_of(["aws_cloudwatch_log_group"], ["AWS::Logs::LogGroup", "Custom::LogRetention"])
	not fixed_retention(r)
]

# Terraform: aws_cloudwatch_log_group only.
tf_log_groups := [r |
	lib.is_terraform
	some r in lib.resources("aws_cloudwatch_log_group")
	not fixed_retention(r)
]

# DELIVERY log groups keep events for a period the service sets; an unknown class may be
# one (not the class a plan leaves to the provider, which is STANDARD).
fixed_retention(r) if lib.get(r, ["properties", class_attr]) == "DELIVERY"

fixed_retention(r) if {
	lib.is_unknown(lib.get(r, ["properties", class_attr]))
}

noun(r) := "CDK log retention" if r.type == "Custom::LogRetention"

noun(r) := "log group" if r.type != "Custom::LogRetention"

findings contains f if {
	some r in log_groups
	lib.get(r, ["properties", "RetentionInDays"]) == null
	f := object.union(
		lib.finding(r, ["properties", "RetentionInDays"], sprintf(
			"%s %s has no RetentionInDays: its log events never expire",
			[noun(r), r.address],
		)),
		{"fix": sprintf("Set `RetentionInDays: %v` (or longer) on %s.", [suggested_days, r.address])},
	)
}

findings contains f if {
	some r in log_groups
	days := lib.as_number(lib.get(r, ["properties", "RetentionInDays"]))
	days < min_days
	f := object.union(
		lib.finding(r, ["properties", "RetentionInDays"], sprintf(
			"%s %s keeps log events for %s, less than the minimum of %s",
			[noun(r), r.address, days_text(days), days_text(min_days)],
		)),
		{"fix": sprintf("Raise RetentionInDays of %s to %v or more.", [r.address, suggested_days])},
	)
}

# Terraform: absent and 0 both mean "never expire" (the provider sends no retention
# policy); any other known value below the minimum is too short.
findings contains f if {
	some r in tf_log_groups
	days := lib.get(r, ["properties", "retention_in_days"])
	never_expires(days)
	f := object.union(
		lib.finding(r, ["properties", "retention_in_days"], sprintf(
			"log group %s %s: its log events never expire",
			[r.address, never_text(days)],
		)),
		{"fix": sprintf("Set `retention_in_days = %v` (or longer) on %s.", [suggested_days, r.address])},
	)
}

findings contains f if {
	some r in tf_log_groups
	days := lib.as_number(lib.get(r, ["properties", "retention_in_days"]))
	days != 0
	days < min_days
	f := object.union(
		lib.finding(r, ["properties", "retention_in_days"], sprintf(
			"log group %s keeps log events for %s, less than the minimum of %s",
			[r.address, days_text(days), days_text(min_days)],
		)),
		{"fix": sprintf("Raise retention_in_days of %s to %v or more.", [r.address, suggested_days])},
	)
}

never_expires(null) := true

never_expires(days) if lib.as_number(days) == 0

never_text(null) := "has no retention_in_days"

never_text(days) := "has retention_in_days = 0" if days != null

days_text(1) := "1 day"

days_text(n) := sprintf("%v days", [n]) if n != 1

# The smallest value CloudWatch Logs accepts that meets the minimum.
retention_values := [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]

suggested_days := min([v | some v in retention_values; v >= min_days]) if {
	count([v | some v in retention_values; v >= min_days]) > 0
} else := min_days
