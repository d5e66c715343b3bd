# OPS-DEP-003: RDS databases keep automated backups long enough to recover from a bad
# change (point-in-time restore within the retention window).
#
# CloudFormation: `BackupRetentionPeriod` (days, 0-35 on an instance, 1-35 on a
# cluster; 0 turns automated backups off) on AWS::RDS::DBInstance and AWS::RDS::DBCluster
# must be >= `min_backup_days` (default 7). When it is not set, CloudFormation and the
# RDS API use 1 day (the console's 7 does not apply to templates). A number or a
# numeric string is accepted.
# Terraform: `backup_retention_period` on aws_db_instance (the provider sets no default;
# RDS applies its API default of 1 day) and on aws_rds_cluster (provider default 1).
#
# Not checked: Aurora DB instances (DBClusterIdentifier set, or an aurora* engine): "this
# setting doesn't apply to Amazon Aurora DB instances", the cluster's retention does,
# and the cluster is checked; read replicas (SourceDBInstanceIdentifier /
# replicate_source_db), whose recovery point is their source's backups.
#
# Unknown never fails: an unknown retention (parameter without default, variable,
# conditional) is silent. A missing retention is reported at the resource (header /
# name), a short one at its value.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent.
package opsgate.rules.dep_003

import data.opsgate.lib

metadata := {
	"id": "OPS-DEP-003",
	"title": "Databases keep automated backups",
	"severity": "medium",
	"area": "Prepare",
	"section": "Mitigate Deployment Risks",
	"best_practice": "Plan for unsuccessful changes",
	"description": concat(" ", [
		"A schema migration or a deployment that corrupts data can only be undone by restoring",
		"the database to a point in time before the change, and that point must still be inside",
		"the automated backup retention window. RDS keeps automated backups for 1 day when a",
		"template does not say otherwise, which a problem found after a weekend has already",
		"outlived; 0 turns automated backups off altogether.",
	]),
	"remediation": {
		"cloudformation": "Set `BackupRetentionPeriod` to at least the minimum (7 days by default, up to 35) on the AWS::RDS::DBInstance, or on the AWS::RDS::DBCluster for Aurora and Multi-AZ DB clusters.",
		"terraform": "Set `backup_retention_period` to at least the minimum (7 days by default, up to 35) on the aws_db_instance or aws_rds_cluster.",
	},
	"config_rule": "db-instance-backup-enabled",
	"kinds": ["aws_db_instance", "aws_rds_cluster"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
	"parameters": {"min_backup_days": 7},
}

# The configured minimum; a value that is not a number falls back to the default.
min_days := n if {
	n := lib.as_number(lib.param(metadata.id, "min_backup_days", metadata.parameters.min_backup_days))
} else := metadata.parameters.min_backup_days

# RDS's retention when a template does not set it (CloudFormation, the RDS API, and the
# Terraform provider for both resources).
default_days := 1

names := {
	"retention": "BackupRetentionPeriod",
	"cluster": "DBClusterIdentifier",
	"engine": "Engine",
	"source": "SourceDBInstanceIdentifier",
} if lib.is_cloudformation

names := {
	"retention": "backup_retention_period",
	"cluster": "cluster_identifier",
	"engine": "engine",
	"source": "replicate_source_db",
} if lib.is_terraform

fix := sprintf("set BackupRetentionPeriod to at least %v", [min_days]) if lib.is_cloudformation

fix := sprintf("set backup_retention_period to at least %v", [min_days]) if lib.is_terraform

# Standalone DB instances that are not read replicas.
findings contains f if {
	some db in lib.resources("aws_db_instance")
	not member(db)
	lib.get(db, ["properties", names.source]) == null
	f := short_retention(db, "DB instance")
}

# DB clusters (Aurora and Multi-AZ).
findings contains f if {
	some c in lib.resources("aws_rds_cluster")
	f := short_retention(c, "DB cluster")
}

short_retention(r, what) := f if {
	path := ["properties", names.retention]
	v := lib.get(r, path)
	not lib.is_unknown(v)
	days := effective_days(v)
	days < min_days
	f := object.union(lib.finding(r, path, message(what, r, v, days)), {"fix": fix})
}

effective_days(null) := default_days

effective_days(v) := lib.as_number(v) if v != null

message(what, r, null, _) := sprintf("%s %s sets no %s, so RDS keeps automated backups for only %v day (minimum %v)", [what, r.address, names.retention, default_days, min_days])

message(what, r, v, 0) := sprintf("%s %s sets %s to 0, which turns automated backups off (minimum %v days)", [what, r.address, names.retention, min_days]) if v != null

message(what, r, v, days) := sprintf("%s %s keeps automated backups for %v day(s) (%s), below the minimum of %v", [what, r.address, days, names.retention, min_days]) if {
	v != null
	days != 0
}

# A member of an Aurora cluster, whose backups the cluster keeps.
member(db) if lib.get(db, ["properties", names.cluster]) != null

member(db) if {
	e := lib.get(db, ["properties", names.engine])
	is_string(e)
	startswith(lower(e), "aurora")
}
