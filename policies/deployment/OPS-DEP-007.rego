# OPS-DEP-007: auto scaling groups roll out changes gradually.
#
# CloudFormation (AWS::AutoScaling::AutoScalingGroup): the resource's UpdatePolicy
# (meta.UpdatePolicy) must hold AutoScalingRollingUpdate, AutoScalingReplacingUpdate
# with WillReplace true, or AutoScalingInstanceRefresh (the newer update policy, mutually
# exclusive with AutoScalingRollingUpdate, that has CloudFormation start an instance
# refresh; it is not in the catalogue but the CloudFormation documentation has it, and
# it rolls out gradually). Without either, a change to the launch template or
# configuration updates the group without replacing running instances, so the change
# reaches instances untested and at random times. AutoScalingReplacingUpdate with
# WillReplace false (the attribute is a boolean with no default in the docs; false
# means "do not replace") does not count. A group without any UpdatePolicy is reported
# at its name; one whose UpdatePolicy lacks both attributes at the UpdatePolicy; a
# WillReplace false at the value.
#
# Terraform (aws_autoscaling_group): an `instance_refresh {}` block (its only strategy
# is "Rolling"). A missing block is reported at the resource header.
#
# Unknown never fails: an unknown UpdatePolicy, attribute or WillReplace value (Fn::If,
# a parameter without default), or a dynamic instance_refresh block, is silent.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent.
package opsgate.rules.dep_007

import data.opsgate.lib

metadata := {
	"id": "OPS-DEP-007",
	"title": "Auto scaling groups roll out changes gradually",
	"severity": "medium",
	"area": "Prepare",
	"section": "Mitigate Deployment Risks",
	"best_practice": "Test using limited deployments",
	"description": concat(" ", [
		"A new launch template version or AMI should reach a fleet a few instances at a",
		"time, with health checked between batches, so that a bad change stops after the",
		"first batch instead of taking the whole group down. CloudFormation does this with",
		"an AutoScalingRollingUpdate, AutoScalingInstanceRefresh or AutoScalingReplacingUpdate update policy, and",
		"Terraform with an instance_refresh block; without them running instances keep",
		"the old configuration until they are replaced for some other reason.",
	]),
	"remediation": {
		"cloudformation": "Add `UpdatePolicy: {AutoScalingRollingUpdate: {MinInstancesInService: 1, MaxBatchSize: 1, PauseTime: PT5M, WaitOnResourceSignals: true}}` (or `AutoScalingInstanceRefresh: {Strategy: Rolling}`, or `AutoScalingReplacingUpdate: {WillReplace: true}`) to the AWS::AutoScaling::AutoScalingGroup.",
		"terraform": "Add `instance_refresh { strategy = \"Rolling\" preferences { min_healthy_percentage = 90 } }` to the aws_autoscaling_group.",
	},
	"config_rule": null,
	"kinds": ["aws_autoscaling_group"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

cfn_groups := [g |
	lib.is_cloudformation
	some g in lib.resources("aws_autoscaling_group")
	g.type == "AWS::AutoScaling::AutoScalingGroup"
]

policy_path := ["meta", "UpdatePolicy"]

# The group has no rolling or replacing update policy (all parts known).
findings contains f if {
	some g in cfn_groups
	up := lib.get(g, policy_path)
	up == null
	f := object.union(
		lib.finding(g, policy_path, sprintf("auto scaling group %s has no UpdatePolicy: a change to its launch configuration is not rolled out to running instances in batches", [g.address])),
		{"fix": sprintf("Add UpdatePolicy.AutoScalingRollingUpdate (or AutoScalingInstanceRefresh, or AutoScalingReplacingUpdate with WillReplace: true) to %s.", [g.address])},
	)
}

findings contains f if {
	some g in cfn_groups
	up := lib.get(g, policy_path)
	is_object(up)
	not lib.is_unknown(up)
	lib.get(up, ["AutoScalingRollingUpdate"]) == null
	lib.get(up, ["AutoScalingReplacingUpdate"]) == null
	lib.get(up, ["AutoScalingInstanceRefresh"]) == null
	f := object.union(
		lib.finding(g, policy_path, sprintf("auto scaling group %s has an UpdatePolicy without AutoScalingRollingUpdate, AutoScalingReplacingUpdate or AutoScalingInstanceRefresh: changes are not rolled out gradually", [g.address])),
		{"fix": sprintf("Add AutoScalingRollingUpdate (or AutoScalingReplacingUpdate with WillReplace: true) to the UpdatePolicy of %s.", [g.address])},
	)
}

findings contains f if {
	some g in cfn_groups
	up := lib.get(g, policy_path)
	is_object(up)
	not lib.is_unknown(up)
	lib.get(up, ["AutoScalingRollingUpdate"]) == null
	lib.get(up, ["AutoScalingInstanceRefresh"]) == null
	lib.is_false(lib.get(up, ["AutoScalingReplacingUpdate", "WillReplace"]))
	path := array.concat(policy_path, ["AutoScalingReplacingUpdate", "WillReplace"])
	f := object.union(
		lib.finding(g, path, sprintf("auto scaling group %s has AutoScalingReplacingUpdate with WillReplace false and no AutoScalingRollingUpdate: changes are not rolled out gradually", [g.address])),
		{"fix": sprintf("Set WillReplace: true, or add AutoScalingRollingUpdate to the UpdatePolicy of %s.", [g.address])},
	)
}

findings contains f if {
	lib.is_terraform
	some g in lib.resources("aws_autoscaling_group")
	ir := lib.get(g, ["properties", "instance_refresh"])
	lib.is_empty(ir)
	f := object.union(
		lib.finding(g, ["properties", "instance_refresh"], sprintf("auto scaling group %s has no instance_refresh block: a new launch template version is not rolled out to running instances", [g.address])),
		{"fix": sprintf("Add `instance_refresh { strategy = \"Rolling\" }` to %s.", [g.address])},
	)
}
