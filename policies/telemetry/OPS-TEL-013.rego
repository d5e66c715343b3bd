# OPS-TEL-013: RDS databases collect Performance Insights (database load by wait, SQL,
# host and user).
#
# CloudFormation: AWS::RDS::DBInstance `EnablePerformanceInsights: true` (default false;
# true and "true" accepted). Terraform: `performance_insights_enabled = true` on
# aws_db_instance and on aws_rds_cluster_instance (the Terraform form of an Aurora DB
# instance; provider default false).
#
# Clusters: for Aurora, Performance Insights is set per instance or, since RDS accepts
# it on CreateDBCluster ("Aurora DB clusters and Multi-AZ DB clusters"), on the cluster.
# A member instance (DBClusterIdentifier / cluster_identifier) is not reported when its
# cluster (found through the reference or by the same literal identifier) enables it or
# sets it to an unknown value, nor when the cluster is outside the unit (unknown). An
# Aurora cluster itself is not reported (its instances are). A Multi-AZ DB cluster
# (AWS::RDS::DBCluster with DBClusterInstanceClass / aws_rds_cluster with
# db_cluster_instance_class, engine mysql or postgres) has no separate instances in
# the template, so it is checked itself.
#
# Engines and classes that do not support the feature are skipped (RDS / Aurora user
# guides, "DB engine, Region, and instance class support for Database Insights"):
# RDS for Db2 (engine db2-*), RDS Custom (custom-*), RDS for MySQL and MariaDB on
# db.t2/db.t3/db.t4g .micro and .small, Aurora MySQL on db.t2.*, db.t3.* and
# db.t4g.micro/.small. An engine the rule cannot know (unknown, or not set on the
# instance nor on its cluster) with such a class is skipped too. (AWS has announced that
# the Performance Insights console moves to CloudWatch Database Insights; the API flag
# stays and turns on the Standard mode, so it is still what templates set.)
#
# Unknown never fails: an unknown flag, an unknown cluster flag, or a cluster outside the
# unit is silent. A missing flag is reported at the resource (header / name), false at
# its value.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent.
package opsgate.rules.tel_013

import data.opsgate.graph
import data.opsgate.lib

metadata := {
	"id": "OPS-TEL-013",
	"title": "RDS has Performance Insights",
	"severity": "low",
	"area": "Prepare",
	"section": "Design Telemetry",
	"best_practice": "Implement and configure workload telemetry",
	"description": concat(" ", [
		"Performance Insights samples the database load every second and breaks it down by wait",
		"event, SQL statement, host and user, so a slow database can be traced to the query or",
		"lock that causes it instead of guessing from CPU graphs. Seven days of history are free.",
		"It is off unless the template turns it on. No AWS Config managed rule checks it;",
		"checkov's CKV_AWS_353 does.",
	]),
	"remediation": {
		"cloudformation": "Set `EnablePerformanceInsights: true` on the AWS::RDS::DBInstance (for Aurora, on each instance or on the AWS::RDS::DBCluster; for a Multi-AZ DB cluster, on the cluster), optionally with `PerformanceInsightsRetentionPeriod`.",
		"terraform": "Set `performance_insights_enabled = true` on the aws_db_instance / aws_rds_cluster_instance (or on the aws_rds_cluster for Aurora and Multi-AZ DB clusters), optionally with `performance_insights_retention_period`.",
	},
	"config_rule": null,
	"kinds": ["aws_db_instance", "aws_rds_cluster_instance", "aws_rds_cluster"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

names := {
	"flag": "EnablePerformanceInsights",
	"cluster": "DBClusterIdentifier",
	"engine": "Engine",
	"class": "DBInstanceClass",
	"cluster_class": "DBClusterInstanceClass",
} if lib.is_cloudformation

names := {
	"flag": "performance_insights_enabled",
	"cluster": "cluster_identifier",
	"engine": "engine",
	"class": "instance_class",
	"cluster_class": "db_cluster_instance_class",
} if lib.is_terraform

instances := lib.resources("aws_db_instance") if lib.is_cloudformation

instances := array.concat(lib.resources("aws_db_instance"), lib.resources("aws_rds_cluster_instance")) if lib.is_terraform

fix := "set EnablePerformanceInsights: true" if lib.is_cloudformation

fix := "set performance_insights_enabled = true" if lib.is_terraform

# DB instances (standalone or Aurora members).
findings contains f if {
	some db in instances
	path := ["properties", names.flag]
	v := lib.get(db, path)
	not lib.is_unknown(v)
	not lib.is_true(v)
	not unsupported(db)
	not cluster_covers(db)
	msg := sprintf("DB instance %s %s%s", [db.address, state(v), cluster_note(db)])
	f := object.union(lib.finding(db, path, msg), {"fix": fix})
}

# Multi-AZ DB clusters (no separate instance resources).
findings contains f if {
	some c in lib.resources("aws_rds_cluster")
	lib.get(c, ["properties", names.cluster_class]) != null
	not aurora(c)
	path := ["properties", names.flag]
	v := lib.get(c, path)
	not lib.is_unknown(v)
	not lib.is_true(v)
	msg := sprintf("Multi-AZ DB cluster %s %s", [c.address, state(v)])
	f := object.union(lib.finding(c, path, msg), {"fix": fix})
}

state(null) := sprintf("sets no %s, so Performance Insights is off (default false)", [names.flag])

state(v) := sprintf("sets %s to %v, so Performance Insights is off", [names.flag, v]) if v != null

cluster_note(db) := ", and its cluster does not enable it either" if {
	member(db)
} else := ""

aurora(r) if {
	e := lib.get(r, ["properties", names.engine])
	is_string(e)
	startswith(lower(e), "aurora")
}

# The instance's engine in lower case: its own, else its cluster's, else "?".
engine_of(db) := lower(e) if {
	e := lib.get(db, ["properties", names.engine])
	is_string(e)
} else := cluster_engine(db)

cluster_engine(db) := es[0] if {
	es := sort({lower(e) |
		some c in clusters_of(db)
		e := lib.get(c, ["properties", names.engine])
		is_string(e)
	})
	count(es) > 0
} else := "?"

small_classes := {"db.t2.micro", "db.t2.small", "db.t3.micro", "db.t3.small", "db.t4g.micro", "db.t4g.small"}

unsupported(db) if startswith(engine_of(db), "custom-")

unsupported(db) if startswith(engine_of(db), "db2")

unsupported(db) if {
	engine_of(db) in {"mysql", "mariadb", "?"}
	class_of(db) in small_classes
}

unsupported(db) if {
	engine_of(db) in {"aurora-mysql", "aurora", "?"}
	aurora_mysql_unsupported(class_of(db))
}

class_of(db) := lower(c) if {
	c := lib.get(db, ["properties", names.class])
	is_string(c)
}

aurora_mysql_unsupported(cls) if startswith(cls, "db.t2.")

aurora_mysql_unsupported(cls) if startswith(cls, "db.t3.")

aurora_mysql_unsupported(cls) if cls in {"db.t4g.micro", "db.t4g.small"}

# The instance belongs to a DB cluster; aws_rds_cluster_instance always does
# (cluster_identifier is required there).
member(db) if lib.get(db, ["properties", names.cluster]) != null

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
	name := lib.get(c, ["properties", names.cluster])
	is_string(name)
	key := lower(name)
}

# The cluster-level flag covers the instance, or cannot be known.
cluster_covers(db) if {
	member(db)
	count(clusters_of(db)) == 0
}

cluster_covers(db) if {
	member(db)
	some c in clusters_of(db)
	v := lib.get(c, ["properties", names.flag])
	lib.is_unknown(v)
}

cluster_covers(db) if {
	member(db)
	some c in clusters_of(db)
	lib.is_true(lib.get(c, ["properties", names.flag]))
}
