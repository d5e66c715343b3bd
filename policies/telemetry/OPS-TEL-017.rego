# OPS-TEL-017: every VPC of the template has VPC flow logs.
#
# A VPC is covered by an AWS::EC2::FlowLog whose ResourceType is "VPC" and whose
# ResourceId references the VPC (`!Ref Vpc`, `!GetAtt Vpc.VpcId`, `!Sub "${Vpc}"`: an
# edge flow log -> VPC at ResourceId). Flow logs on subnets or network interfaces do
# not count (the AWS Config rule vpc-flow-logs-enabled checks the VPC, too).
# Unknown never fails:
# - a ResourceType that cannot be known counts as VPC;
# - a ResourceId that cannot be known and references no VPC of the template (a parameter
#   without default, !ImportValue, an attribute of a custom resource or nested stack)
#   may name any VPC, so the rule stays silent for every VPC of the unit. (A VPC created
#   by this template can only be named that way in contrived set-ups, but the template
#   clearly wires flow logs, and a finding there would teach people to ignore the rule.)
# - ResourceId `!If [C, !Ref VpcA, !Ref VpcB]` covers both VPCs it references.
package opsgate.rules.tel_017

import data.opsgate.lib

metadata := {
	"id": "OPS-TEL-017",
	"title": "Each VPC has flow logs",
	"severity": "medium",
	"area": "Prepare",
	"section": "Design Telemetry",
	"best_practice": "Implement and configure workload telemetry",
	"description": concat(" ", [
		"VPC flow logs record which connections were accepted and rejected at every network",
		"interface of the VPC. They are the record teams reach for when a dependency cannot be",
		"reached, a security group change broke traffic or an incident needs a timeline, and",
		"they cannot be produced after the fact: a VPC without flow logs leaves its network",
		"behaviour unobservable.",
	]),
	"remediation": {
		"cloudformation": "Add an `AWS::EC2::FlowLog` with `ResourceType: VPC`, `ResourceId: !Ref MyVpc`, `TrafficType: ALL` and a destination (`LogDestinationType: cloud-watch-logs` with `LogGroupName` and `DeliverLogsPermissionArn`, or `s3` with `LogDestination`).",
		"terraform": "Add an `aws_flow_log` with `vpc_id = aws_vpc.this.id`, `traffic_type = \"ALL\"` and a destination (`log_destination` with `iam_role_arn` for CloudWatch Logs, or an S3 bucket ARN with `log_destination_type = \"s3\"`).",
	},
	"config_rule": "vpc-flow-logs-enabled",
	"kinds": ["aws_vpc", "aws_flow_log"],
	"formats": ["cloudformation"],
}

id_path := ["properties", "ResourceId"]

# The flow log may be a VPC flow log: ResourceType "VPC", or not knowable.
vpc_flow_log(fl) if lib.get(fl, ["properties", "ResourceType"]) == "VPC"

vpc_flow_log(fl) if lib.is_unknown(lib.get(fl, ["properties", "ResourceType"]))

# Edges flow log -> VPC at ResourceId that give the VPC's id (Ref, or the VpcId attribute).
vpc_id_edge(e) if object.get(e, "attribute", null) == null

vpc_id_edge(e) if e.attribute == "VpcId"

covered contains e.to if {
	some e in input.edges
	e.via != "DependsOn"
	lib.has_prefix(e.path, id_path)
	vpc_id_edge(e)
	input.resources[e.to].kind == "aws_vpc"
	fl := input.resources[e.from]
	fl.kind == "aws_flow_log"
	vpc_flow_log(fl)
}

# VPCs that a flow log's ResourceId references (used to tell targeted flow logs apart).
targets_a_vpc contains e.from if {
	some e in input.edges
	lib.has_prefix(e.path, id_path)
	input.resources[e.to].kind == "aws_vpc"
}

# A VPC flow log whose target cannot be known and points at no VPC of the template.
untraceable_flow_log if {
	some fl in lib.resources("aws_flow_log")
	vpc_flow_log(fl)
	lib.is_unknown(lib.get(fl, id_path))
	not targets_a_vpc[fl.address]
}

findings contains f if {
	not untraceable_flow_log
	some vpc in lib.resources("aws_vpc")
	not covered[vpc.address]
	f := object.union(
		lib.finding(vpc, [], message(vpc)),
		{"fix": sprintf("add an AWS::EC2::FlowLog with ResourceType: VPC and ResourceId: !Ref %s", [vpc.address])},
	)
}

# Flow logs whose ResourceId references the VPC but whose ResourceType is not VPC.
mistyped[e.to] contains sprintf("%s (ResourceType %v)", [fl.address, t]) if {
	some e in input.edges
	lib.has_prefix(e.path, id_path)
	input.resources[e.to].kind == "aws_vpc"
	fl := input.resources[e.from]
	fl.kind == "aws_flow_log"
	not vpc_flow_log(fl)
	t := lib.get(fl, ["properties", "ResourceType"])
}

message(vpc) := sprintf("VPC %s%s has no flow log in this template: %s", [vpc.address, cidr(vpc), reason(vpc)])

cidr(vpc) := sprintf(" (%s)", [c]) if {
	c := lib.get(vpc, ["properties", "CidrBlock"])
	is_string(c)
} else := ""

reason(vpc) := sprintf("only %s references it, and a VPC flow log needs ResourceType \"VPC\"", [concat(", ", sort(mistyped[vpc.address]))]) if {
	count(mistyped[vpc.address]) > 0
} else := "no AWS::EC2::FlowLog with ResourceType VPC references it"
