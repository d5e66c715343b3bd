# OPS-HLT-006: every metric alarm says explicitly how it treats missing data.
#
# CloudFormation: AWS::CloudWatch::Alarm `TreatMissingData` (breaching | notBreaching |
# ignore | missing). When it is absent CloudWatch uses `missing`, which keeps an alarm
# whose metric stops reporting (a crashed producer, an idle queue) out of ALARM, often in
# INSUFFICIENT_DATA, without anyone having decided that this is right. Composite alarms
# have no such property and are not checked.
#
# Terraform: aws_cloudwatch_metric_alarm `treat_missing_data`. The provider gives it the
# default "missing", so in a plan an absent attribute cannot be told from an explicit
# `treat_missing_data = "missing"`: the rule covers Terraform configuration (HCL), where
# the attribute's absence is visible, and stays silent on plans.
#
# Unknown values (a parameter without a default, Fn::If, a variable without a value) never
# fail; an empty string counts as not set.
package opsgate.rules.hlt_006

import data.opsgate.lib

metadata := {
	"id": "OPS-HLT-006",
	"title": "Alarms say how to treat missing data",
	"severity": "low",
	"area": "Operate",
	"section": "Understanding Workload Health",
	"best_practice": "Alert when workload outcomes are at risk",
	"description": concat(" ", [
		"When a metric stops reporting, an alarm falls back to its missing-data treatment.",
		"Left unset it is `missing`: the alarm drifts to INSUFFICIENT_DATA or keeps its",
		"state, so a producer that died or a health check that stopped publishing can go",
		"unnoticed. Choose explicitly: `breaching` for heartbeats and health metrics whose",
		"silence is itself a failure, `notBreaching` for sparse error counts, `ignore` to",
		"keep the current state.",
	]),
	"remediation": {
		"cloudformation": concat(" ", [
			"Set `TreatMissingData` on the AWS::CloudWatch::Alarm to breaching, notBreaching,",
			"ignore or missing, e.g. `TreatMissingData: notBreaching` for an error count.",
		]),
		"terraform": concat(" ", [
			"Set `treat_missing_data` on the aws_cloudwatch_metric_alarm to \"breaching\",",
			"\"notBreaching\", \"ignore\" or \"missing\", e.g. `treat_missing_data = \"notBreaching\"`.",
		]),
	},
	"config_rule": null,
	"kinds": ["aws_cloudwatch_metric_alarm"],
	"formats": ["cloudformation", "terraform"],
}

findings contains f if {
	lib.is_cloudformation
	some a in lib.resources_of(["aws_cloudwatch_metric_alarm"], ["AWS::CloudWatch::Alarm"])
	v := lib.get(a, ["properties", "TreatMissingData"])
	lib.is_empty(v)
	f := object.union(
		lib.finding(a, ["properties", "TreatMissingData"], sprintf(
			"alarm %s does not set TreatMissingData: when its metric stops reporting it falls back to `missing` without anyone having chosen it",
			[a.address],
		)),
		{"fix": sprintf("Add `TreatMissingData: notBreaching` (or breaching, ignore, missing) to %s.", [a.address])},
	)
}

# Terraform configuration only: in a plan the provider default "missing" is filled in.
findings contains f if {
	lib.is_terraform
	not lib.is_plan
	some a in lib.resources("aws_cloudwatch_metric_alarm")
	v := lib.get(a, ["properties", "treat_missing_data"])
	lib.is_empty(v)
	f := object.union(
		lib.finding(a, ["properties", "treat_missing_data"], sprintf(
			"alarm %s does not set treat_missing_data: when its metric stops reporting it falls back to \"missing\" without anyone having chosen it",
			[a.address],
		)),
		{"fix": sprintf("Add `treat_missing_data = \"notBreaching\"` (or \"breaching\", \"ignore\", \"missing\") to %s.", [a.address])},
	)
}
