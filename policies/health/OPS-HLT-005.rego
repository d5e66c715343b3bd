# OPS-HLT-005: every RDS DB instance and DB cluster of the unit has a CloudWatch alarm.
#
# A DB instance is covered by a metric alarm with a `DBInstanceIdentifier` dimension that
# names it, a DB cluster by one with a `DBClusterIdentifier` dimension: CloudFormation
# AWS::CloudWatch::Alarm `Dimensions: [{Name: DBInstanceIdentifier, Value: !Ref Db}]`
# (Ref returns the identifier), or, for metric-math alarms,
# `Metrics[*].MetricStat.Metric.Dimensions`; Terraform aws_cloudwatch_metric_alarm
# `dimensions = { DBInstanceIdentifier = aws_db_instance.x.identifier }` (or `.id`) /
# `{ DBClusterIdentifier = aws_rds_cluster.x.cluster_identifier }`, or the same in
# `metric_query { metric { dimensions } }`. The dimension names the database by reference
# (an edge alarm -> database at the value, also through a local module's input/output),
# or by the literal identifier it declares (`DBInstanceIdentifier`/`DBClusterIdentifier`,
# `identifier`/`cluster_identifier`), compared without case since RDS stores identifiers
# in lowercase.
#
# Aurora: a CloudFormation AWS::RDS::DBInstance that sets `DBClusterIdentifier` is a
# member of a cluster, watched through the cluster's alarm; it is not checked on its own
# (in Terraform members are aws_rds_cluster_instance, which this rule does not check).
#
# Unknown never fails, for instances and clusters separately:
# - a DBInstanceIdentifier (DBClusterIdentifier) dimension, or a whole Dimensions list,
#   dimensions map, Metrics list or dimension Name, that cannot be known and references
#   no DB instance (cluster) of the unit (a parameter without default, !ImportValue, a
#   variable, a data source) may name any of them: the rule is silent for every DB
#   instance (cluster) of the unit;
# - `!If [C, !Ref A, !Ref B]` / `var.x ? a : b` covers every database it references.
#
# A unit without any alarm reports each database once: the catalogue asks that *each*
# instance or cluster has an alarm, and a finding per database tells exactly which ones
# to cover (and can be ignored one by one).
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent. Joins follow the edges from the
# configuration's references, as in Terraform configuration. An alarm's dimensions map
# that holds a value known only after apply (the ARN or name of a resource the plan
# creates) is planned unknown as a whole, dimension names included: such an alarm may
# name whatever it references, and the rule stays silent for those resources.
package opsgate.rules.hlt_005

import data.opsgate.graph
import data.opsgate.alarms
import data.opsgate.lib

metadata := {
	"id": "OPS-HLT-005",
	"title": "Each RDS instance or cluster has an alarm",
	"severity": "low",
	"area": "Operate",
	"section": "Understanding Workload Health",
	"best_practice": "Alert when workload outcomes are at risk",
	"description": concat(" ", [
		"A database that runs out of CPU, memory, storage or connections takes every",
		"workload that depends on it down with it, and RDS only reports the slide in its",
		"AWS/RDS metrics. A CloudWatch alarm on the instance or cluster (CPUUtilization,",
		"FreeStorageSpace, FreeableMemory, DatabaseConnections) warns the team before",
		"outcomes are at risk.",
	]),
	"remediation": {
		"cloudformation": "Add an `AWS::CloudWatch::Alarm` on `Namespace: AWS/RDS` (for example `MetricName: FreeStorageSpace` or `CPUUtilization`) with `Dimensions: [{Name: DBInstanceIdentifier, Value: !Ref MyDB}]`, or `DBClusterIdentifier` and `!Ref MyCluster` for a cluster, and an `AlarmActions` topic.",
		"terraform": "Add an `aws_cloudwatch_metric_alarm` with `namespace = \"AWS/RDS\"`, a metric such as `FreeStorageSpace` or `CPUUtilization`, `dimensions = { DBInstanceIdentifier = aws_db_instance.this.identifier }` (or `DBClusterIdentifier = aws_rds_cluster.this.cluster_identifier`) and `alarm_actions`.",
	},
	"config_rule": null,
	"kinds": ["aws_db_instance", "aws_rds_cluster", "aws_cloudwatch_metric_alarm"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

# The dimension names that name a resource of each kind.
dimensions := {
	"aws_db_instance": {"DBInstanceIdentifier"},
	"aws_rds_cluster": {"DBClusterIdentifier"},
}

# Literal identifiers are indexed below, in lowercase.
name_paths := {}

identifier_paths := {
	"aws_db_instance": ["properties", "DBInstanceIdentifier"],
	"aws_rds_cluster": ["properties", "DBClusterIdentifier"],
} if lib.is_cloudformation

identifier_paths := {
	"aws_db_instance": ["properties", "identifier"],
	"aws_rds_cluster": ["properties", "cluster_identifier"],
} if lib.is_terraform

literal_names[[kind, name]] contains r.address if {
	some kind, p in identifier_paths
	some r in lib.resources(kind)
	n := lib.get(r, p)
	is_string(n)
	n != ""
	name := lower(n)
}

literal_key(_, v) := lower(v)

# CloudFormation Aurora members: watched through their cluster.
cluster_member(r) if {
	lib.is_cloudformation
	r.kind == "aws_db_instance"
	not lib.is_empty(lib.get(r, ["properties", "DBClusterIdentifier"]))
}

findings contains f if {
	some r in uncovered
	not cluster_member(r)
	f := object.union(lib.finding(r, [], message(r)), {"fix": fix(r)})
}

noun := {"aws_db_instance": "DB instance", "aws_rds_cluster": "DB cluster"}

dimension_name := {"aws_db_instance": "DBInstanceIdentifier", "aws_rds_cluster": "DBClusterIdentifier"}

tf_attribute := {"aws_db_instance": "identifier", "aws_rds_cluster": "cluster_identifier"}

message(r) := sprintf("%s %s has no CloudWatch alarm in this %s: no %s has a %s dimension that references it", [noun[r.kind], r.address, unit_noun, alarm_type, dimension_name[r.kind]])

fix(r) := sprintf("add an AWS::CloudWatch::Alarm on AWS/RDS (CPUUtilization, FreeStorageSpace) with Dimensions [{Name: %s, Value: !Ref %s}]", [dimension_name[r.kind], r.address]) if lib.is_cloudformation

fix(r) := sprintf("add an aws_cloudwatch_metric_alarm on AWS/RDS (CPUUtilization, FreeStorageSpace) with dimensions = { %s = %s.%s }", [dimension_name[r.kind], lib.local_address(r), tf_attribute[r.kind]]) if lib.is_terraform

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
	some t in alarms.slot_targets(s)
	kind := input.resources[t].kind
	slot_for(s, kind)
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
