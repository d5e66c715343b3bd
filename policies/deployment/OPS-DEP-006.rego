# OPS-DEP-006: auto scaling groups behind load balancers use ELB health checks.
#
# A group is behind a load balancer when (CloudFormation, AWS::AutoScaling::AutoScalingGroup)
# TargetGroupARNs or LoadBalancerNames is a non-empty list, or TrafficSources holds an
# entry of Type elb or elbv2; (Terraform, aws_autoscaling_group) `target_group_arns` or
# `load_balancers` is non-empty, a `traffic_source` block has type elb or elbv2, or an
# aws_autoscaling_attachment / aws_autoscaling_traffic_source_attachment (not of type
# vpc-lattice) references the group in `autoscaling_group_name` (a join through the
# graph's edges).
#
# Such a group must have a HealthCheckType / health_check_type that includes ELB. The
# API takes a comma-separated list of EC2, EBS, ELB and VPC_LATTICE (EC2 is always on and
# is the default), so "ELB,EBS" passes and "EBS" or "VPC_LATTICE" alone does not:
# VPC_LATTICE reports the health seen by VPC Lattice target groups, not by the load
# balancer. An absent value (EC2 only) is reported at the resource's name (or the
# Terraform block header); a value without ELB at the value.
#
# Unknown never fails: an unknown HealthCheckType, an unknown list of target groups or
# load balancers, an unknown traffic source type, or a dynamic traffic_source block
# stays silent (the group is reported only when it is known to be behind a load
# balancer and known not to use ELB health checks).
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent. A target_group_arns or
# load_balancers set that holds an attribute known only after apply (the ARN of a target
# group the plan creates) is unknown as a whole, so such a group is not known to be
# behind a load balancer and stays silent; attachments are joined through the
# configuration's references.
package opsgate.rules.dep_006

import data.opsgate.graph
import data.opsgate.lib

metadata := {
	"id": "OPS-DEP-006",
	"title": "Auto scaling groups behind load balancers use ELB health checks",
	"severity": "medium",
	"area": "Prepare",
	"section": "Mitigate Deployment Risks",
	"best_practice": "Automate testing and rollback",
	"description": concat(" ", [
		"An auto scaling group checks only the EC2 status of its instances unless told",
		"otherwise: an instance whose application fails the load balancer's health check",
		"after a bad deployment stays in service, and a rolling update or instance refresh",
		"goes on as if the new instances were healthy. With ELB health checks the group",
		"replaces instances the load balancer considers unhealthy, and gradual roll-outs",
		"stop on them.",
	]),
	"remediation": {
		"cloudformation": "Set `HealthCheckType: ELB` (or a list that includes ELB, such as `ELB,EBS`) and a `HealthCheckGracePeriod` long enough for the instances to start on the AWS::AutoScaling::AutoScalingGroup.",
		"terraform": "Set `health_check_type = \"ELB\"` and a `health_check_grace_period` on the aws_autoscaling_group.",
	},
	"config_rule": "autoscaling-group-elb-healthcheck-required",
	"kinds": ["aws_autoscaling_group", "aws_autoscaling_attachment", "aws_autoscaling_traffic_source_attachment"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

# The health check types of a known HealthCheckType string, trimmed.
types_of(v) := {trim_space(t) | some t in split(v, ",")}

# A known health check type that leaves out ELB, or no type at all (EC2 only).
lacks_elb(v) if v == null

lacks_elb(v) if {
	is_string(v)
	not "ELB" in types_of(v)
}

non_empty_list(v) if {
	is_array(v)
	count(v) > 0
}

# CloudFormation ------------------------------------------------------------------

cfn_groups := [g |
	lib.is_cloudformation
	some g in lib.resources("aws_autoscaling_group")
	g.type == "AWS::AutoScaling::AutoScalingGroup"
]

cfn_attached(g) := "target groups" if non_empty_list(lib.get(g, ["properties", "TargetGroupARNs"]))

else := "Classic Load Balancers" if non_empty_list(lib.get(g, ["properties", "LoadBalancerNames"]))

else := "load balancer traffic sources" if {
	sources := lib.get(g, ["properties", "TrafficSources"])
	is_array(sources)
	some s in sources
	lib.get(s, ["Type"]) in {"elb", "elbv2"}
}

findings contains f if {
	some g in cfn_groups
	via := cfn_attached(g)
	hc := lib.get(g, ["properties", "HealthCheckType"])
	lacks_elb(hc)
	f := object.union(
		lib.finding(g, ["properties", "HealthCheckType"], sprintf(
			"auto scaling group %s is attached to %s but %s: instances the load balancer finds unhealthy stay in service",
			[g.address, via, hc_text(hc, "HealthCheckType")],
		)),
		{"fix": sprintf("Set HealthCheckType: ELB on %s.", [g.address])},
	)
}

hc_text(null, name) := sprintf("has no %s (EC2 status checks only)", [name])

hc_text(hc, name) := sprintf("has %s %q, without ELB", [name, hc]) if hc != null

# Terraform ------------------------------------------------------------------------

attachment_types := {"aws_autoscaling_attachment", "aws_autoscaling_traffic_source_attachment"}

# Groups named by an attachment resource, found through the edges into each group.
tf_attached_by[to] contains from.address if {
	lib.is_terraform
	some to, edges in graph.edges_to
	some e in edges
	lib.has_prefix(e.path, ["properties", "autoscaling_group_name"])
	from := input.resources[e.from]
	from.type in attachment_types
	not lattice_attachment(from)
}

lattice_attachment(a) if {
	sources := lib.get(a, ["properties", "traffic_source"])
	is_array(sources)
	some ts in sources
	lib.get(ts, ["type"]) == "vpc-lattice"
}

tf_attached(g) := "target groups" if non_empty_list(lib.get(g, ["properties", "target_group_arns"]))

else := "Classic Load Balancers" if non_empty_list(lib.get(g, ["properties", "load_balancers"]))

else := "load balancer traffic sources" if {
	sources := lib.get(g, ["properties", "traffic_source"])
	is_array(sources)
	some s in sources
	lib.get(s, ["type"]) in {"elb", "elbv2"}
}

else := concat("", ["a load balancer through ", concat(", ", sort(tf_attached_by[g.address]))])

findings contains f if {
	lib.is_terraform
	some g in lib.resources("aws_autoscaling_group")
	via := tf_attached(g)
	hc := lib.get(g, ["properties", "health_check_type"])
	lacks_elb(hc)
	f := object.union(
		lib.finding(g, ["properties", "health_check_type"], sprintf(
			"auto scaling group %s is attached to %s but %s: instances the load balancer finds unhealthy stay in service",
			[g.address, via, hc_text(hc, "health_check_type")],
		)),
		{"fix": sprintf("Set health_check_type = \"ELB\" on %s.", [g.address])},
	)
}
