# OPS-FLOW-006: an EC2 fleet has a patch baseline or a maintenance window.
#
# A unit (template, Terraform module) that runs EC2 instances or auto scaling groups
# should also define how they are patched: an SSM patch baseline, a maintenance window,
# or an SSM association that runs the AWS-RunPatchBaseline document. The finding is
# reported once per unit, on the first instance or auto scaling group in source order
# (file, then line).
#
# Unknown never fails: an association whose document name is unknown may run
# AWS-RunPatchBaseline, so the unit stays silent.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent. Joins follow the edges from the
# configuration's references, as in Terraform configuration.
package opsgate.rules.flow_006

import data.opsgate.lib

metadata := {
	"id": "OPS-FLOW-006",
	"title": "EC2 fleets have a patch baseline or maintenance window",
	"severity": "info",
	"area": "Prepare",
	"section": "Improve Flow",
	"best_practice": "Perform patch management",
	"description": concat(" ", [
		"Instances that nobody patches collect known vulnerabilities and bugs. A unit that",
		"runs EC2 instances or auto scaling groups should define its patching as code next",
		"to them: a Systems Manager patch baseline, a maintenance window, or a State Manager",
		"association that runs AWS-RunPatchBaseline.",
	]),
	"remediation": {
		"cloudformation": concat(" ", [
			"Add an AWS::SSM::PatchBaseline, an AWS::SSM::MaintenanceWindow with a",
			"patching task, or an AWS::SSM::Association with Name: AWS-RunPatchBaseline",
			"targeting the instances.",
		]),
		"terraform": concat(" ", [
			"Add an aws_ssm_patch_baseline, an aws_ssm_maintenance_window with a patching",
			"task, or an aws_ssm_association with name = \"AWS-RunPatchBaseline\" targeting",
			"the instances.",
		]),
	},
	"config_rule": "ec2-managedinstance-patch-compliance-status-check",
	"kinds": [
		"aws_instance", "aws_autoscaling_group", "aws_ssm_patch_baseline",
		"aws_ssm_maintenance_window", "aws_ssm_association",
	],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

name_attr := "Name" if lib.is_cloudformation

name_attr := "name" if lib.is_terraform

fleet := lib.resources_of(["aws_instance", "aws_autoscaling_group"], [])

has_patching if count(lib.resources("aws_ssm_patch_baseline")) > 0

has_patching if count(lib.resources("aws_ssm_maintenance_window")) > 0

# An association running AWS-RunPatchBaseline, or one whose document is unknown.
has_patching if {
	some a in lib.resources("aws_ssm_association")
	patch_document(lib.get(a, ["properties", name_attr]))
}

# By name, or by document ARN (…:document/AWS-RunPatchBaseline).
patch_document(v) if v == "AWS-RunPatchBaseline"

patch_document(v) if {
	is_string(v)
	endswith(v, "document/AWS-RunPatchBaseline")
}

patch_document(v) if lib.is_unknown(v)

# The first instance or group in source order.
first := r if {
	keys := [[r.file, r.line, r.address] | some r in fleet]
	k := min(keys)
	r := input.resources[k[2]]
}

fleet_text := "the unit's only EC2 instance or auto scaling group" if count(fleet) == 1

fleet_text := sprintf("first of %d EC2 instances and auto scaling groups in the unit", [count(fleet)]) if count(fleet) > 1

noun(r) := "instance" if r.kind == "aws_instance"

noun(r) := "auto scaling group" if r.kind == "aws_autoscaling_group"

findings contains f if {
	lib.is_cloudformation
	count(fleet) > 0
	not has_patching
	f := lib.finding(first, [], sprintf(
		"%s %s (%s) is not patched: this template has no AWS::SSM::PatchBaseline, AWS::SSM::MaintenanceWindow or AWS-RunPatchBaseline association",
		[noun(first), first.address, fleet_text],
	))
}

findings contains f if {
	lib.is_terraform
	count(fleet) > 0
	not has_patching
	f := lib.finding(first, [], sprintf(
		"%s %s (%s) is not patched: this module has no aws_ssm_patch_baseline, aws_ssm_maintenance_window or aws_ssm_association running AWS-RunPatchBaseline",
		[noun(first), first.address, fleet_text],
	))
}
