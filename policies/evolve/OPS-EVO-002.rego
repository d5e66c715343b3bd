# OPS-EVO-002: CloudTrail trails record API activity in every region.
#
# AWS::CloudTrail::Trail: IsMultiRegionTrail must be true. It is optional and defaults
# to false (CloudTrail CreateTrail: "By default, ... creates a trail that logs events
# only in the AWS Region where the trail was created"), so a trail without it, or with
# false, is reported: at the value when it is written, else at the missing property
# (the resource's name). CloudFormation accepts true and "true" alike.
#
# Terraform (aws_cloudtrail): `is_multi_region_trail` must be true (provider docs:
# optional, defaults to false). Absent is reported at the resource header, false at the
# value.
#
# Organization trails (IsOrganizationTrail / is_organization_trail true) are checked
# the same way: the API lets an organization trail be single-region, and then it
# misses the other regions in every member account, so the message says so. A trail
# in a member account cannot be an organization trail; nothing else changes.
#
# Each trail is checked on its own (not "at least one multi-region trail per unit", as
# the AWS Config rule multi-region-cloudtrail-enabled does for an account): a unit
# cannot see the account's other trails, and a single-region trail next to a
# multi-region one is usually a mistake; ignore the finding where it is deliberate.
#
# Unknown never fails: an IsMultiRegionTrail / is_multi_region_trail from a parameter
# without default, a condition (Fn::If), an import or a variable without value is
# silent.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent.
package opsgate.rules.evo_002

import data.opsgate.lib

metadata := {
	"id": "OPS-EVO-002",
	"title": "Trails cover every region",
	"severity": "medium",
	"area": "Evolve",
	"section": "Learn, Share, and Improve",
	"best_practice": "Perform post-incident analysis",
	"description": concat(" ", [
		"Post-incident analysis reconstructs who changed what, when and where from the",
		"CloudTrail record of API activity. A trail that logs only its home region misses",
		"activity in every other region — exactly where an unexpected resource, a",
		"misconfigured deployment or an intrusion tends to hide. Every trail should be a",
		"multi-region trail (IsMultiRegionTrail / is_multi_region_trail, false by",
		"default).",
	]),
	"remediation": {
		"cloudformation": "Set `IsMultiRegionTrail: true` on the AWS::CloudTrail::Trail; keep `IncludeGlobalServiceEvents` true so IAM and other global service events are recorded.",
		"terraform": "Set `is_multi_region_trail = true` on the aws_cloudtrail (the provider default is false).",
	},
	"config_rule": "multi-region-cloudtrail-enabled",
	"kinds": ["aws_cloudtrail"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

# An organization trail: the gap repeats in every member account.
scope(t, org_attr) := " (an organization trail: the other regions of every member account go unrecorded)" if {
	lib.is_true(lib.get(t, ["properties", org_attr]))
} else := ""

# CloudFormation: IsMultiRegionTrail not set, the trail logs its home region only.
findings contains f if {
	lib.is_cloudformation
	some t in lib.resources("aws_cloudtrail")
	path := ["properties", "IsMultiRegionTrail"]
	lib.get(t, path) == null
	msg := sprintf("trail %s has no IsMultiRegionTrail, so it records API activity in its home region only%s", [t.address, scope(t, "IsOrganizationTrail")])
	f := object.union(lib.finding(t, path, msg), {"fix": sprintf("Set `IsMultiRegionTrail: true` on %s.", [t.address])})
}

# CloudFormation: IsMultiRegionTrail false.
findings contains f if {
	lib.is_cloudformation
	some t in lib.resources("aws_cloudtrail")
	path := ["properties", "IsMultiRegionTrail"]
	lib.is_false(lib.get(t, path))
	msg := sprintf("trail %s has IsMultiRegionTrail false, so it records API activity in its home region only%s", [t.address, scope(t, "IsOrganizationTrail")])
	f := object.union(lib.finding(t, path, msg), {"fix": sprintf("Set `IsMultiRegionTrail: true` on %s.", [t.address])})
}

# Terraform: is_multi_region_trail absent (provider default false).
findings contains f if {
	lib.is_terraform
	some t in lib.resources("aws_cloudtrail")
	path := ["properties", "is_multi_region_trail"]
	lib.get(t, path) == null
	msg := sprintf("trail %s has no is_multi_region_trail (default false), so it records API activity in its home region only%s", [t.address, scope(t, "is_organization_trail")])
	f := object.union(lib.finding(t, path, msg), {"fix": sprintf("Set `is_multi_region_trail = true` on %s.", [t.address])})
}

# Terraform: is_multi_region_trail = false.
findings contains f if {
	lib.is_terraform
	some t in lib.resources("aws_cloudtrail")
	path := ["properties", "is_multi_region_trail"]
	lib.is_false(lib.get(t, path))
	msg := sprintf("trail %s has is_multi_region_trail = false, so it records API activity in its home region only%s", [t.address, scope(t, "is_organization_trail")])
	f := object.union(lib.finding(t, path, msg), {"fix": sprintf("Set `is_multi_region_trail = true` on %s.", [t.address])})
}
