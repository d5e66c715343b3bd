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
#
# Terraform: a VPC (aws_vpc) is covered by an aws_flow_log whose `vpc_id` references it
# (`vpc_id = aws_vpc.main.id`, also through a local module's input or output: an edge
# flow log -> VPC at vpc_id). The provider has no resource type argument: a flow log is
# a VPC flow log when it sets `vpc_id` (the others set subnet_id, eni_id,
# transit_gateway_id or transit_gateway_attachment_id, and do not count). Unknown never
# fails, as above:
# - a flow log whose `count`/`for_each` is unknown still covers the VPCs it references
#   (one whose count is known to be 0 is not in the input);
# - `vpc_id = var.use_a ? aws_vpc.a.id : aws_vpc.b.id` covers both VPCs;
# - a vpc_id that cannot be known and references no aws_vpc of the module (a variable
#   without default, a data source, `each.value`) may name any VPC: the rule is silent
#   for every VPC of the unit.
#
# Terraform plan: the same, on the planned values and the edges from the configuration's
# references. A new VPC's id is known only after apply, so a flow log's vpc_id is unknown
# and the edge says which VPC it names; a vpc_id known after apply with no edge to a VPC
# of the plan (a VPC passed through a module input or output: plan edges do not cross
# module boundaries) silences the rule as above.
package opsgate.rules.tel_017

import data.opsgate.graph
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
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

# Where the flow log names its target: CloudFormation ResourceId, Terraform vpc_id.
id_path := ["properties", "ResourceId"] if lib.is_cloudformation

id_path := ["properties", "vpc_id"] if lib.is_terraform

# The flow log may be a VPC flow log. CloudFormation: ResourceType "VPC", or not
# knowable. Terraform: every flow log that has a vpc_id (edges and unknowns below are
# read at vpc_id only).
vpc_flow_log(fl) if {
	lib.is_cloudformation
	lib.get(fl, ["properties", "ResourceType"]) == "VPC"
}

vpc_flow_log(fl) if {
	lib.is_cloudformation
	lib.is_unknown(lib.get(fl, ["properties", "ResourceType"]))
}

vpc_flow_log(_) if lib.is_terraform

# Edges flow log -> VPC at ResourceId that give the VPC's id (Ref, or the VpcId attribute).
# Terraform edges carry no attribute: any reference at vpc_id counts.
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
	f := object.union(lib.finding(vpc, [], message(vpc)), {"fix": fix(vpc)})
}

fix(vpc) := sprintf("add an AWS::EC2::FlowLog with ResourceType: VPC and ResourceId: !Ref %s", [vpc.address]) if lib.is_cloudformation

fix(vpc) := sprintf("add an aws_flow_log with vpc_id = %s.id, traffic_type = \"ALL\" and a log destination", [lib.local_address(vpc)]) if lib.is_terraform

# Flow logs whose ResourceId references the VPC but whose ResourceType is not VPC
# (CloudFormation only: in Terraform the attribute is the type).
mistyped[e.to] contains sprintf("%s (ResourceType %v)", [fl.address, t]) if {
	lib.is_cloudformation
	some e in input.edges
	lib.has_prefix(e.path, id_path)
	input.resources[e.to].kind == "aws_vpc"
	fl := input.resources[e.from]
	fl.kind == "aws_flow_log"
	not vpc_flow_log(fl)
	t := lib.get(fl, ["properties", "ResourceType"])
}

# Terraform: flow logs on a subnet of the VPC (subnet_id -> aws_subnet whose vpc_id ->
# the VPC), named in the message since they look like coverage but are not.
subnet_flow_logs[vpc] contains e.from if {
	lib.is_terraform
	some e in input.edges
	lib.has_prefix(e.path, ["properties", "subnet_id"])
	input.resources[e.from].kind == "aws_flow_log"
	input.resources[e.to].kind == "aws_subnet"
	some e2 in object.get(graph.edges_from, e.to, set())
	lib.has_prefix(e2.path, ["properties", "vpc_id"])
	input.resources[e2.to].kind == "aws_vpc"
	vpc := e2.to
}

unit_noun := "template" if lib.is_cloudformation

unit_noun := "configuration" if input.format == "terraform"

unit_noun := "plan" if lib.is_plan

cidr_path := ["properties", "CidrBlock"] if lib.is_cloudformation

cidr_path := ["properties", "cidr_block"] if lib.is_terraform

message(vpc) := sprintf("VPC %s%s has no flow log in this %s: %s", [vpc.address, cidr(vpc), unit_noun, reason(vpc)])

cidr(vpc) := sprintf(" (%s)", [c]) if {
	c := lib.get(vpc, cidr_path)
	is_string(c)
} else := ""

reason(vpc) := sprintf("only %s references it, and a VPC flow log needs ResourceType \"VPC\"", [concat(", ", sort(mistyped[vpc.address]))]) if {
	count(mistyped[vpc.address]) > 0
} else := "no AWS::EC2::FlowLog with ResourceType VPC references it" if {
	lib.is_cloudformation
} else := sprintf("only %s watch(es) its subnets, and a VPC flow log needs vpc_id = %s.id", [concat(", ", sort(subnet_flow_logs[vpc.address])), lib.local_address(vpc)]) if {
	count(subnet_flow_logs[vpc.address]) > 0
} else := sprintf("no aws_flow_log has vpc_id = %s.id", [lib.local_address(vpc)])
