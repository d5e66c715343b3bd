# OPS-TEL-018: EC2 instances and launch templates turn on detailed monitoring.
#
# CloudFormation AWS::EC2::Instance: `Monitoring` (Boolean, optional; default false =
# basic monitoring, 5-minute metrics) must be true. AWS::EC2::LaunchTemplate:
# `LaunchTemplateData.Monitoring.Enabled` (Boolean) must be true. CloudFormation accepts
# true and "true".
# Terraform aws_instance: `monitoring` (bool, optional, provider default false) must be
# true; aws_launch_template: the `monitoring { enabled = true }` block.
#
# An instance launched from a launch template (CFN `LaunchTemplate`, TF a
# `launch_template` block) that does not set Monitoring itself takes it from the template,
# which this rule checks on its own: such an instance is not reported.
#
# Unknown never fails: an unknown Monitoring / monitoring / LaunchTemplateData / block
# (parameter without default, variable, conditional, dynamic block) is silent. A missing
# value is reported at the deepest part of its path that exists (the resource name or
# header when nothing exists), a false value at that value.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent. An aws_instance without a
# launch_template block has it planned as an empty list: that is no template.
package opsgate.rules.tel_018

import data.opsgate.lib

metadata := {
	"id": "OPS-TEL-018",
	"title": "EC2 has detailed monitoring",
	"severity": "low",
	"area": "Prepare",
	"section": "Design Telemetry",
	"best_practice": "Implement and configure workload telemetry",
	"description": concat(" ", [
		"By default EC2 sends instance metrics (CPU, network, disk, status checks) to CloudWatch",
		"every 5 minutes. Detailed monitoring sends them every minute, so alarms and auto scaling",
		"react to a saturated or failing instance minutes earlier and short spikes are not",
		"averaged away.",
	]),
	"remediation": {
		"cloudformation": "Set `Monitoring: true` on the AWS::EC2::Instance, or `LaunchTemplateData.Monitoring.Enabled: true` on the AWS::EC2::LaunchTemplate.",
		"terraform": "Set `monitoring = true` on the aws_instance, or add `monitoring { enabled = true }` to the aws_launch_template.",
	},
	"config_rule": "ec2-instance-detailed-monitoring-enabled",
	"kinds": ["aws_instance", "aws_launch_template"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

# CloudFormation instances.
findings contains f if {
	lib.is_cloudformation
	some r in lib.resources("aws_instance")
	path := ["properties", "Monitoring"]
	v := lib.get(r, path)
	not lib.is_unknown(v)
	not lib.is_true(v)
	not from_template_cfn(r, v)
	msg := instance_message(r, v, "Monitoring")
	f := object.union(lib.finding(r, path, msg), {"fix": "set Monitoring: true"})
}

from_template_cfn(r, null) if lib.get(r, ["properties", "LaunchTemplate"]) != null

# CloudFormation launch templates.
findings contains f if {
	lib.is_cloudformation
	some r in lib.resources("aws_launch_template")
	path := ["properties", "LaunchTemplateData", "Monitoring", "Enabled"]
	v := lib.get(r, path)
	not lib.is_unknown(v)
	not lib.is_true(v)
	msg := template_message(r, v, "LaunchTemplateData.Monitoring.Enabled")
	f := object.union(lib.finding(r, path, msg), {"fix": "set LaunchTemplateData.Monitoring.Enabled: true"})
}

# Terraform instances.
findings contains f if {
	lib.is_terraform
	some r in lib.resources("aws_instance")
	path := ["properties", "monitoring"]
	v := lib.get(r, path)
	not lib.is_unknown(v)
	not lib.is_true(v)
	not from_template_tf(r, v)
	msg := instance_message(r, v, "monitoring")
	f := object.union(lib.finding(r, path, msg), {"fix": "set monitoring = true"})
}

# A plan writes a launch_template block the configuration leaves out as an empty list.
from_template_tf(r, null) if not lib.get(r, ["properties", "launch_template"]) in {null, []}

# Terraform launch templates.
findings contains f if {
	lib.is_terraform
	some r in lib.resources("aws_launch_template")
	block := lib.get(r, ["properties", "monitoring"])
	not lib.is_unknown(block)
	path := tf_template_path(block)
	v := lib.get(r, path)
	not lib.is_unknown(v)
	not lib.is_true(v)
	msg := template_message(r, v, "monitoring { enabled }")
	f := object.union(lib.finding(r, path, msg), {"fix": "add monitoring { enabled = true }"})
}

tf_template_path(null) := ["properties", "monitoring"]

tf_template_path(block) := ["properties", "monitoring", 0, "enabled"] if block != null

instance_message(r, null, name) := sprintf("instance %s does not set %s, so EC2 uses basic monitoring (metrics every 5 minutes)", [r.address, name])

instance_message(r, v, name) := sprintf("instance %s has %s %v, so EC2 uses basic monitoring (metrics every 5 minutes)", [r.address, name, v]) if v != null

template_message(r, null, name) := sprintf("launch template %s does not set %s, so its instances use basic monitoring (metrics every 5 minutes)", [r.address, name])

template_message(r, v, name) := sprintf("launch template %s has %s %v, so its instances use basic monitoring (metrics every 5 minutes)", [r.address, name, v]) if v != null
