# OPS-HLT-003: every load balancer of the unit has a CloudWatch alarm.
#
# An Application, Network or Gateway Load Balancer (ELBv2) is covered by a metric alarm
# with a `LoadBalancer` dimension that names it, a classic load balancer by one with a
# `LoadBalancerName` dimension: CloudFormation AWS::CloudWatch::Alarm `Dimensions`, or,
# for metric-math alarms, `Metrics[*].MetricStat.Metric.Dimensions`; Terraform
# aws_cloudwatch_metric_alarm `dimensions` or `metric_query { metric { dimensions } }`.
#
# The LoadBalancer dimension's value is the load balancer's full name
# (`app/<name>/<id>`): CloudFormation `!GetAtt Lb.LoadBalancerFullName` (or
# `!Sub "${Lb.LoadBalancerFullName}"`), Terraform `aws_lb.x.arn_suffix`. In CloudFormation
# an alarm that references the load balancer with another attribute (`!Ref Lb` returns
# the ARN, `!GetAtt Lb.LoadBalancerName` the short name) never receives data, so it does
# not count and the message says so. Terraform edges do not carry the attribute, so any
# reference counts there. A literal `app/<name>/<id>` (net/, gwy/) counts for the
# load balancer that declares `<name>` (`Name` / `name`). Classic load balancers are
# named by `!Ref Elb` (the name), a reference, or their literal `LoadBalancerName`/`name`.
# aws_lb and its alias aws_alb are both checked.
#
# Unknown never fails, for ELBv2 and classic load balancers separately:
# - a LoadBalancer (LoadBalancerName) dimension, or a whole Dimensions list, dimensions
#   map, Metrics list or dimension Name, that cannot be known and references no resource
#   of the unit (a parameter without default, !ImportValue, a variable, a data source)
#   may name any of them: the rule is silent for every load balancer of that family;
# - `!If [C, A, B]` / `var.x ? a : b` covers every load balancer it references.
#
# A unit without any alarm reports each load balancer once: the catalogue asks that
# *each* load balancer has an alarm, and a finding per load balancer tells exactly which
# ones to cover (and can be ignored one by one).
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent. Joins follow the edges from the
# configuration's references, as in Terraform configuration. An alarm's dimensions map
# that holds a value known only after apply (the ARN or name of a resource the plan
# creates) is planned unknown as a whole, dimension names included: such an alarm may
# name whatever it references, and the rule stays silent for those resources.
package opsgate.rules.hlt_003

import data.opsgate.graph
import data.opsgate.alarms
import data.opsgate.lib

metadata := {
	"id": "OPS-HLT-003",
	"title": "Each load balancer has an alarm",
	"severity": "low",
	"area": "Operate",
	"section": "Understanding Workload Health",
	"best_practice": "Alert when workload outcomes are at risk",
	"description": concat(" ", [
		"A load balancer is where customers meet the workload: 5XX responses, unhealthy",
		"targets and rising response times show up there first. Without a CloudWatch alarm",
		"on the load balancer (HTTPCode_ELB_5XX_Count, UnHealthyHostCount,",
		"TargetResponseTime) the team learns that outcomes are at risk from its customers.",
	]),
	"remediation": {
		"cloudformation": "Add an `AWS::CloudWatch::Alarm` on `Namespace: AWS/ApplicationELB` (AWS/NetworkELB, AWS/ELB for classic) with `Dimensions: [{Name: LoadBalancer, Value: !GetAtt MyLoadBalancer.LoadBalancerFullName}]` (classic: `{Name: LoadBalancerName, Value: !Ref MyElb}`) and an `AlarmActions` topic.",
		"terraform": "Add an `aws_cloudwatch_metric_alarm` with `namespace = \"AWS/ApplicationELB\"`, a metric such as `HTTPCode_ELB_5XX_Count`, `dimensions = { LoadBalancer = aws_lb.this.arn_suffix }` (classic: `LoadBalancerName = aws_elb.this.name`) and `alarm_actions`.",
	},
	"config_rule": null,
	"kinds": ["aws_lb", "aws_alb", "aws_elb", "aws_cloudwatch_metric_alarm"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

# The dimension names that name a resource of each kind.
dimensions := {
	"aws_lb": {"LoadBalancer"},
	"aws_alb": {"LoadBalancer"},
	"aws_elb": {"LoadBalancerName"},
}

# Where each kind declares its literal name.
name_paths := {
	"aws_lb": ["properties", "Name"],
	"aws_elb": ["properties", "LoadBalancerName"],
} if lib.is_cloudformation

name_paths := {
	"aws_lb": ["properties", "name"],
	"aws_alb": ["properties", "name"],
	"aws_elb": ["properties", "name"],
} if lib.is_terraform

# The load balancer name in a literal LoadBalancer value (app|net|gwy/<name>/<id>);
# LoadBalancerName holds the name itself.
literal_key(kind, v) := m[0][1] if {
	kind != "aws_elb"
	m := regex.find_all_string_submatch_n(`^(?:app|net|gwy)/([^/]+)/[^/]+$`, v, 1)
	count(m) > 0
}

literal_key("aws_elb", v) := v

# A reference gives the dimension's value: ELBv2 in CloudFormation only through the
# LoadBalancerFullName attribute; everything else as written.
gives_value(e, kind) if kind == "aws_elb"

gives_value(_, kind) if {
	kind != "aws_elb"
	lib.is_terraform
}

gives_value(e, kind) if {
	kind != "aws_elb"
	lib.is_cloudformation
	object.get(e, "attribute", null) == "LoadBalancerFullName"
}

# Alarms that reference an ELBv2 load balancer under LoadBalancer with the wrong value.
wrong_value[e.to] contains sprintf("%s (%s)", [s.alarm, form(e)]) if {
	some s in slots
	some e in object.get(graph.edges_from, s.alarm, set())
	not e.via in {"DependsOn", "depends_on"}
	lib.paths_overlap(e.path, s.path)
	kind := input.resources[e.to].kind
	slot_for(s, kind)
	not gives_value(e, kind)
}

form(e) := sprintf("!GetAtt %s.%s", [e.to, e.attribute]) if e.attribute
else := sprintf("!Ref %s, the ARN", [e.to])

findings contains f if {
	some r in uncovered
	f := object.union(lib.finding(r, [], message(r)), {"fix": fix(r)})
}

noun(r) := "classic load balancer" if r.kind == "aws_elb"

noun(r) := "load balancer" if r.kind != "aws_elb"

dimension_name(r) := "LoadBalancerName" if r.kind == "aws_elb"

dimension_name(r) := "LoadBalancer" if r.kind != "aws_elb"

message(r) := sprintf("%s %s has no CloudWatch alarm in this %s: %s", [noun(r), r.address, unit_noun, reason(r)])

reason(r) := sprintf("the LoadBalancer dimension of %s holds a value CloudWatch never reports; it takes !GetAtt %s.LoadBalancerFullName", [concat(", ", sort(wrong_value[r.address])), r.address]) if {
	count(wrong_value[r.address]) > 0
} else := sprintf("no %s has a %s dimension that references it", [alarm_type, dimension_name(r)])

fix(r) := sprintf("add an AWS::CloudWatch::Alarm on AWS/ELB with Dimensions [{Name: LoadBalancerName, Value: !Ref %s}]", [r.address]) if {
	lib.is_cloudformation
	r.kind == "aws_elb"
}

fix(r) := sprintf("add an AWS::CloudWatch::Alarm on AWS/ApplicationELB or AWS/NetworkELB with Dimensions [{Name: LoadBalancer, Value: !GetAtt %s.LoadBalancerFullName}]", [r.address]) if {
	lib.is_cloudformation
	r.kind != "aws_elb"
}

fix(r) := sprintf("add an aws_cloudwatch_metric_alarm on AWS/ELB with dimensions = { LoadBalancerName = %s.name }", [lib.local_address(r)]) if {
	lib.is_terraform
	r.kind == "aws_elb"
}

fix(r) := sprintf("add an aws_cloudwatch_metric_alarm on AWS/ApplicationELB or AWS/NetworkELB with dimensions = { LoadBalancer = %s.arn_suffix }", [lib.local_address(r)]) if {
	lib.is_terraform
	r.kind != "aws_elb"
}

# ---------------------------------------------------------------------------------------
# Alarm dimensions (shared shape of OPS-HLT-001/003/004/005).
#
# A slot is one dimension of one metric alarm: {"alarm", "name", "path", "value"}, with
# `name` null when it cannot be known (an unknown Dimensions list or dimensions map, or
# an unknown Name) and `path` where the value sits (edges from the alarm at or below it
# are the references it makes).

# The dimensions of the metric alarms that can be this rule's (alarms.slots_named,
# built once): those of its dimension names and those whose name is unknown.
slots := {s |
	some _, names in dimensions
	some name in names
	some s in object.get(alarms.slots_named, name, set())
} | alarms.slots_unnamed

# Slot `s` may hold a dimension of `kind`.
slot_for(s, kind) if s.name in dimensions[kind]

slot_for(s, kind) if {
	s.name == null
	dimensions[kind]
}

# The resources of each kind by literal name: literal_names[[kind, name]] is a set of
# addresses (one key level: both regorus' interpreter and its bytecode take that form).
literal_names[[kind, name]] contains r.address if {
	some kind, p in name_paths
	some r in lib.resources(kind)
	n := lib.get(r, p)
	is_string(n)
	n != ""
	name := n
}

covered contains t if {
	some s in slots
	some e in object.get(graph.edges_from, s.alarm, set())
	not e.via in {"DependsOn", "depends_on"}
	lib.paths_overlap(e.path, s.path)
	t := e.to
	kind := input.resources[t].kind
	slot_for(s, kind)
	gives_value(e, kind)
}

covered contains t if {
	some s in slots
	is_string(s.value)
	some kind, _ in dimensions
	slot_for(s, kind)
	key := literal_key(kind, s.value)
	some t in literal_names[[kind, key]]
}

# A slot of `kind` whose value cannot be known and references no resource of the unit
# (a parameter, an import, a variable, a data source): it may name any resource of the
# kind, so the rule is silent for the kind in this unit. A value that references another
# resource (a cluster under DBInstanceIdentifier, a queue under FunctionName) is that
# resource's name, not an unknown one.
untraceable contains kind if {
	some s in slots
	some kind, _ in dimensions
	slot_for(s, kind)
	lib.is_unknown(s.value)
	not references_resource(s)
}

references_resource(s) if {
	some t in alarms.slot_targets(s)
	input.resources[t]
}

uncovered contains r if {
	some kind, _ in dimensions
	not untraceable[kind]
	some r in lib.resources(kind)
	not covered[r.address]
}

unit_noun := "template" if lib.is_cloudformation

unit_noun := "configuration" if lib.is_terraform

alarm_type := "AWS::CloudWatch::Alarm" if lib.is_cloudformation

alarm_type := "aws_cloudwatch_metric_alarm" if lib.is_terraform
