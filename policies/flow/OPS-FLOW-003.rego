# OPS-FLOW-003: machine images come from a pipeline, not a literal AMI id.
#
# An instance, launch template or launch configuration fails when its image is a known
# literal AMI id (`ami-...`). AMIs produced by an image pipeline (EC2 Image Builder,
# Packer) are published to an SSM parameter, which the template reads at deploy time:
#   CloudFormation: a parameter of type AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>,
#   `{{resolve:ssm:...}}`, or (launch templates) `resolve:ssm:<name>`;
#   Terraform: data.aws_ssm_parameter / data.aws_ami, or `resolve:ssm:<name>` in a
#   launch template's image_id.
# Those are unknown in the input (or a `resolve:ssm:` string), so they pass.
#
# What counts as a literal: any value that resolves to an `ami-` string, however it got
# there: written in place, a CloudFormation parameter Default (also of type
# AWS::EC2::Image::Id), Fn::FindInMap with known keys, a Terraform variable default,
# terraform.tfvars / *.auto.tfvars / --var-file, or a local. A variable default or a
# tfvars file is still an AMI id pinned in the repository by hand, which is what the
# best practice asks to replace; a pipeline that passes the id at apply time
# (-var, TF_VAR_*) leaves the value unknown here, and it passes.
#
# Unknown values never fail (parameters without a default, references to resources or
# data sources, Fn::FindInMap keyed by AWS::Region, ...).
#
# Checked: AWS::EC2::Instance ImageId, AWS::EC2::LaunchTemplate
# LaunchTemplateData.ImageId, AWS::AutoScaling::LaunchConfiguration ImageId;
# aws_instance ami, aws_launch_template image_id, aws_launch_configuration image_id.
package opsgate.rules.flow_003

import data.opsgate.lib

metadata := {
	"id": "OPS-FLOW-003",
	"title": "Machine images come from a pipeline, not a literal AMI id",
	"severity": "low",
	"area": "Prepare",
	"section": "Improve Flow",
	"best_practice": "Perform patch management",
	"description": concat(" ", [
		"Patching EC2 fleets means rebuilding their images and rolling the new image out.",
		"An AMI id written into a template or module stays on the image it names until",
		"someone edits it, so instances keep launching from an unpatched image. Read the",
		"image id from the SSM parameter your image pipeline (EC2 Image Builder, Packer)",
		"or AWS publishes, so each deployment picks up the current patched image.",
	]),
	"remediation": {
		"cloudformation": concat(" ", [
			"Use a parameter of type `AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>` whose",
			"default is the SSM parameter your image pipeline updates (or an AWS public one",
			"such as /aws/service/ami-amazon-linux-latest/...), or `{{resolve:ssm:<name>}}`,",
			"instead of an `ami-` id.",
		]),
		"terraform": concat(" ", [
			"Read the image id from `data.aws_ssm_parameter` (the parameter your image pipeline",
			"updates) or `data.aws_ami` with owners and filters, or use `resolve:ssm:<name>` in",
			"a launch template, instead of an `ami-` id.",
		]),
	},
	"config_rule": null,
	"kinds": ["aws_instance", "aws_launch_template", "aws_launch_configuration"],
	"formats": ["cloudformation", "terraform"],
}

literal_ami(v) if {
	is_string(v)
	startswith(lower(trim_space(v)), "ami-")
}

noun := {
	"aws_instance": "instance",
	"aws_launch_template": "launch template",
	"aws_launch_configuration": "launch configuration",
}

# CloudFormation: where each kind keeps its image id.
cfn_path := {
	"aws_instance": ["properties", "ImageId"],
	"aws_launch_template": ["properties", "LaunchTemplateData", "ImageId"],
	"aws_launch_configuration": ["properties", "ImageId"],
}

tf_path := {
	"aws_instance": ["properties", "ami"],
	"aws_launch_template": ["properties", "image_id"],
	"aws_launch_configuration": ["properties", "image_id"],
}

findings contains f if {
	lib.is_cloudformation
	some kind, path in cfn_path
	some r in lib.resources(kind)
	v := lib.get(r, path)
	literal_ami(v)
	f := lib.finding(r, path, sprintf(
		"%s %s launches from the literal AMI %s: it stays on that image until someone edits the template",
		[noun[kind], r.address, v],
	))
}

findings contains f if {
	lib.is_terraform
	some kind, path in tf_path
	some r in lib.resources(kind)
	v := lib.get(r, path)
	literal_ami(v)
	f := lib.finding(r, path, sprintf(
		"%s %s launches from the literal AMI %s: it stays on that image until someone edits the configuration",
		[noun[kind], r.address, v],
	))
}
