# OPS-TEL-014: RDS databases publish their logs to CloudWatch Logs.
#
# CloudFormation: `EnableCloudwatchLogsExports` (a list of log types: error, general,
# slowquery, audit, postgresql, upgrade, alert, listener, trace, agent, instance,
# iam-db-auth-error, ... depending on the engine) must be non-empty on AWS::RDS::DBInstance
# and on AWS::RDS::DBCluster (Aurora and Multi-AZ DB clusters). Terraform:
# `enabled_cloudwatch_logs_exports` non-empty on aws_db_instance and aws_rds_cluster
# (provider docs: "If omitted, no logs will be exported").
#
# Aurora: log exports are a cluster setting. An instance that is a member of a cluster
# (DBClusterIdentifier set, or an aurora* engine) is not reported; its cluster is.
# Terraform's aws_rds_cluster_instance has no such argument and is not checked. Skipped
# as unsupported: RDS Custom (engine custom-*) and Aurora Serverless v1 clusters
# (EngineMode / engine_mode "serverless", which publish logs through their parameter
# group and reject the export list).
#
# Unknown never fails: an unknown list (parameter without default, variable, Fn::If) or
# an unknown engine mode is silent; a list that has at least one element is non-empty
# even when the elements are unknown. A missing list is reported at the resource
# (header / name), an empty one at its value.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent.
package opsgate.rules.tel_014

import data.opsgate.lib

metadata := {
	"id": "OPS-TEL-014",
	"title": "RDS exports its logs to CloudWatch",
	"severity": "medium",
	"area": "Prepare",
	"section": "Design Telemetry",
	"best_practice": "Implement and configure workload telemetry",
	"description": concat(" ", [
		"Database error, slow-query, audit and engine logs stay on the database host unless they",
		"are exported, where they rotate away within days and cannot be searched, alarmed on or",
		"correlated with application logs. Exporting them to CloudWatch Logs keeps them with the",
		"rest of the workload's telemetry. Nothing is exported unless the template lists the log",
		"types.",
	]),
	"remediation": {
		"cloudformation": "List the engine's log types in `EnableCloudwatchLogsExports` on the AWS::RDS::DBInstance, or on the AWS::RDS::DBCluster for Aurora and Multi-AZ DB clusters (e.g. [postgresql, upgrade] for PostgreSQL, [error, slowquery, audit] for MySQL).",
		"terraform": "Set `enabled_cloudwatch_logs_exports` on the aws_db_instance or aws_rds_cluster (e.g. [\"postgresql\", \"upgrade\"] or [\"error\", \"slowquery\", \"audit\"]), and manage the /aws/rds/... log groups to set their retention.",
	},
	"config_rule": "rds-logging-enabled",
	"kinds": ["aws_db_instance", "aws_rds_cluster"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

names := {
	"exports": "EnableCloudwatchLogsExports",
	"cluster": "DBClusterIdentifier",
	"engine": "Engine",
	"mode": "EngineMode",
} if lib.is_cloudformation

names := {
	"exports": "enabled_cloudwatch_logs_exports",
	"cluster": "cluster_identifier",
	"engine": "engine",
	"mode": "engine_mode",
} if lib.is_terraform

fix := "list the engine's log types in EnableCloudwatchLogsExports" if lib.is_cloudformation

fix := "set enabled_cloudwatch_logs_exports to the engine's log types" if lib.is_terraform

# Standalone DB instances.
findings contains f if {
	some db in lib.resources("aws_db_instance")
	not member(db)
	not engine_starts(db, "custom-")
	path := ["properties", names.exports]
	v := lib.get(db, path)
	lib.is_empty(v)
	f := object.union(lib.finding(db, path, message("DB instance", db, v)), {"fix": fix})
}

# DB clusters (Aurora and Multi-AZ).
findings contains f if {
	some c in lib.resources("aws_rds_cluster")
	not serverless_v1(c)
	path := ["properties", names.exports]
	v := lib.get(c, path)
	lib.is_empty(v)
	f := object.union(lib.finding(c, path, message("DB cluster", c, v)), {"fix": fix})
}

message(what, r, null) := sprintf("%s %s sets no %s, so its database logs are not exported to CloudWatch Logs", [what, r.address, names.exports])

message(what, r, v) := sprintf("%s %s has an empty %s, so its database logs are not exported to CloudWatch Logs", [what, r.address, names.exports]) if v != null

# A member of a DB cluster, whose logs the cluster exports.
member(db) if lib.get(db, ["properties", names.cluster]) != null

member(db) if engine_starts(db, "aurora")

engine_starts(r, prefix) if {
	e := lib.get(r, ["properties", names.engine])
	is_string(e)
	startswith(lower(e), prefix)
}

serverless_v1(c) if {
	m := lib.get(c, ["properties", names.mode])
	lib.is_unknown(m)
}

serverless_v1(c) if {
	m := lib.get(c, ["properties", names.mode])
	is_string(m)
	lower(m) == "serverless"
}
