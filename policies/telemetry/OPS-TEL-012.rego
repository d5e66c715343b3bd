# OPS-TEL-012: RDS DB instances collect Enhanced Monitoring (operating-system metrics).
#
# CloudFormation AWS::RDS::DBInstance: MonitoringInterval must be > 0 (allowed values
# 0, 1, 5, 10, 15, 30, 60; default 0 = off). A number or a numeric string is accepted.
# Terraform aws_db_instance: monitoring_interval > 0 (provider docs: default 0, same
# values). aws_rds_cluster_instance (the Terraform form of an Aurora DB instance, which
# CloudFormation writes as an AWS::RDS::DBInstance) has the same monitoring_interval.
#
# Clusters: since 2024 RDS also accepts MonitoringInterval on the DB cluster (Aurora and
# Multi-AZ DB clusters), which then applies to its instances. A member instance
# (DBClusterIdentifier / cluster_identifier set) is therefore not reported when its
# cluster, found through the reference or by a literal identifier, sets an interval
# > 0 or an unknown one, nor when the cluster is not in the unit (its setting is
# unknown). The cluster itself is not reported by this rule (the catalogue checks
# instances). RDS Custom (engine custom-*) does not support Enhanced Monitoring and is
# skipped.
#
# Unknown never fails: an unknown interval (parameter without default, variable,
# conditional), an unknown cluster setting, or a cluster outside the unit is silent.
# A missing interval is reported at the resource (header / name), a 0 at its value.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent.
package opsgate.rules.tel_012

import data.opsgate.graph
import data.opsgate.lib

metadata := {
	"id": "OPS-TEL-012",
	"title": "RDS has enhanced monitoring",
	"severity": "low",
	"area": "Prepare",
	"section": "Design Telemetry",
	"best_practice": "Implement and configure workload telemetry",
	"description": concat(" ", [
		"Standard CloudWatch metrics for RDS come from the hypervisor once a minute. Enhanced",
		"Monitoring runs an agent on the database host and reports operating-system metrics",
		"(CPU by process, memory, swap, file system and disk I/O) every 1 to 60 seconds, which is",
		"what tells a slow query from a starved host during an incident. It is off by default",
		"(MonitoringInterval 0).",
	]),
	"remediation": {
		"cloudformation": "Set `MonitoringInterval` (1, 5, 10, 15, 30 or 60) on the AWS::RDS::DBInstance (or on its AWS::RDS::DBCluster) together with a `MonitoringRoleArn` whose role has the AmazonRDSEnhancedMonitoringRole managed policy.",
		"terraform": "Set `monitoring_interval` (1, 5, 10, 15, 30 or 60) and `monitoring_role_arn` (a role with the AmazonRDSEnhancedMonitoringRole policy) on the aws_db_instance / aws_rds_cluster_instance, or on its aws_rds_cluster.",
	},
	"config_rule": "rds-enhanced-monitoring-enabled",
	"kinds": ["aws_db_instance", "aws_rds_cluster_instance", "aws_rds_cluster"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

# Property names per format.
names := {
	"interval": "MonitoringInterval",
	"cluster": "DBClusterIdentifier",
	"cluster_name": "DBClusterIdentifier",
	"engine": "Engine",
} if lib.is_cloudformation

names := {
	"interval": "monitoring_interval",
	"cluster": "cluster_identifier",
	"cluster_name": "cluster_identifier",
	"engine": "engine",
} if lib.is_terraform

instances := lib.resources("aws_db_instance") if lib.is_cloudformation

instances := array.concat(lib.resources("aws_db_instance"), lib.resources("aws_rds_cluster_instance")) if lib.is_terraform

findings contains f if {
	some db in instances
	path := ["properties", names.interval]
	v := lib.get(db, path)
	not lib.is_unknown(v)
	not enabled(v)
	not custom_engine(db)
	not cluster_covers(db)
	f := object.union(lib.finding(db, path, message(db, v)), {"fix": fix})
}

enabled(v) if lib.as_number(v) > 0

fix := "set MonitoringInterval to 1, 5, 10, 15, 30 or 60 with a MonitoringRoleArn" if lib.is_cloudformation

fix := "set monitoring_interval to 1, 5, 10, 15, 30 or 60 with a monitoring_role_arn" if lib.is_terraform

message(db, null) := sprintf("DB instance %s sets no %s, so Enhanced Monitoring is off (default 0)%s", [db.address, names.interval, cluster_note(db)])

message(db, v) := sprintf("DB instance %s sets %s to %v, which turns Enhanced Monitoring off%s", [db.address, names.interval, v, cluster_note(db)]) if v != null

cluster_note(db) := ", and its cluster sets no interval either" if {
	member(db)
} else := ""

custom_engine(db) if {
	e := lib.get(db, ["properties", names.engine])
	is_string(e)
	startswith(lower(e), "custom-")
}

# The instance belongs to a DB cluster (Aurora); aws_rds_cluster_instance always does
# (cluster_identifier is required there).
member(db) if lib.get(db, ["properties", names.cluster]) != null

# The clusters of the unit that `db` belongs to: through a reference from its cluster
# identifier, or by the same literal identifier.
clusters_of(db) := clusters_referenced(db) | clusters_named(db)

# A reference from the instance's cluster identifier to a cluster.
clusters_referenced(db) := {c |
	some e in object.get(graph.edges_from, db.address, set())
	lib.has_prefix(e.path, ["properties", names.cluster])
	c := input.resources[e.to]
	c.kind == "aws_rds_cluster"
}

# The same literal identifier (case-insensitive), looked up by name.
clusters_named(db) := {input.resources[addr] |
	id := lib.get(db, ["properties", names.cluster])
	is_string(id)
	some addr in object.get(clusters_by_name, lower(id), set())
}

# The clusters of the unit by lower-cased literal identifier.
clusters_by_name[key] contains c.address if {
	some c in lib.resources("aws_rds_cluster")
	name := lib.get(c, ["properties", names.cluster_name])
	is_string(name)
	key := lower(name)
}

# The cluster-level setting covers the instance, or cannot be known.
cluster_covers(db) if {
	member(db)
	count(clusters_of(db)) == 0
}

cluster_covers(db) if {
	member(db)
	some c in clusters_of(db)
	v := lib.get(c, ["properties", names.interval])
	lib.is_unknown(v)
}

cluster_covers(db) if {
	member(db)
	some c in clusters_of(db)
	enabled(lib.get(c, ["properties", names.interval]))
}
