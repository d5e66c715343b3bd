# OPS-DEP-002: databases and tables have deletion protection on, so a bad change (a
# template edit, a refactor that renames a resource, a stack or `terraform destroy` run
# against the wrong environment) cannot delete them.
#
# CloudFormation:
# - AWS::RDS::DBInstance and AWS::RDS::DBCluster: `DeletionProtection` must be true
#   (optional; default false). Not checked: DB instances that belong to a cluster
#   (DBClusterIdentifier set, or an aurora* engine): the RDS docs say the setting "doesn't
#   apply to Amazon Aurora DB instances", deletion protection is a cluster setting and the
#   cluster is checked; read replicas (SourceDBInstanceIdentifier), whose data is their
#   source's.
# - AWS::DynamoDB::Table: `DeletionProtectionEnabled` must be true (optional; default
#   false).
# - AWS::DynamoDB::GlobalTable: deletion protection is set per replica
#   (`Replicas[*].DeletionProtectionEnabled`); each replica without it is reported, at
#   its value or at the replica's list item.
# - AWS::Serverless::SimpleTable is not checked: it has no deletion protection property
#   (the remedy would be an AWS::DynamoDB::Table).
# Terraform: `deletion_protection` on aws_db_instance (not replicas
# (`replicate_source_db`) nor aurora* engines) and aws_rds_cluster, and
# `deletion_protection_enabled` on aws_dynamodb_table (all optional, default false).
# Inline `replica {}` blocks of aws_dynamodb_table are not checked.
#
# Paths: a false value is reported at the value, a missing one at the resource (header /
# name), or for a global table replica at the replica. Each finding's fix names the
# setting of the type found, in the input's own terms (the metadata remediation lists
# them all for `opsgate explain`).
#
# Unknown never fails: an unknown value, replica list or replica (a parameter, Fn::If, a
# variable without value) is silent.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent.
package opsgate.rules.dep_002

import data.opsgate.lib

metadata := {
	"id": "OPS-DEP-002",
	"title": "Deletion protection is on",
	"severity": "medium",
	"area": "Prepare",
	"section": "Mitigate Deployment Risks",
	"best_practice": "Plan for unsuccessful changes",
	"description": concat(" ", [
		"A change that removes or replaces a database or table by mistake (a renamed logical",
		"ID, a moved Terraform resource, a destroy run against the wrong stack or workspace)",
		"deletes its data along with it. Deletion protection makes RDS and DynamoDB refuse the",
		"delete until someone turns the protection off on purpose, so an unsuccessful change",
		"fails instead of losing data.",
	]),
	"remediation": {
		"cloudformation": "Set `DeletionProtection: true` on the AWS::RDS::DBInstance or AWS::RDS::DBCluster, `DeletionProtectionEnabled: true` on the AWS::DynamoDB::Table, and `DeletionProtectionEnabled: true` on every replica of an AWS::DynamoDB::GlobalTable.",
		"terraform": "Set `deletion_protection = true` on the aws_db_instance or aws_rds_cluster, and `deletion_protection_enabled = true` on the aws_dynamodb_table.",
	},
	"config_rule": "rds-instance-deletion-protection-enabled",
	"kinds": ["aws_db_instance", "aws_rds_cluster", "aws_dynamodb_table"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

rds_names := {
	"protection": "DeletionProtection",
	"cluster": "DBClusterIdentifier",
	"engine": "Engine",
	"source": "SourceDBInstanceIdentifier",
} if lib.is_cloudformation

rds_names := {
	"protection": "deletion_protection",
	"cluster": "cluster_identifier",
	"engine": "engine",
	"source": "replicate_source_db",
} if lib.is_terraform

table_protection := "DeletionProtectionEnabled" if lib.is_cloudformation

table_protection := "deletion_protection_enabled" if lib.is_terraform

# Standalone DB instances that are not read replicas.
findings contains f if {
	some db in lib.resources("aws_db_instance")
	not cluster_member(db)
	lib.get(db, ["properties", rds_names.source]) == null
	f := unprotected(db, ["properties", rds_names.protection], "DB instance")
}

# DB clusters (Aurora and Multi-AZ).
findings contains f if {
	some c in lib.resources("aws_rds_cluster")
	f := unprotected(c, ["properties", rds_names.protection], "DB cluster")
}

# DynamoDB tables (CloudFormation AWS::DynamoDB::Table, Terraform aws_dynamodb_table).
findings contains f if {
	some t in lib.resources("aws_dynamodb_table")
	t.type in {"AWS::DynamoDB::Table", "aws_dynamodb_table"}
	f := unprotected(t, ["properties", table_protection], "DynamoDB table")
}

# Replicas of a CloudFormation global table.
findings contains f if {
	lib.is_cloudformation
	some t in lib.resources("aws_dynamodb_table")
	t.type == "AWS::DynamoDB::GlobalTable"
	replicas := lib.get(t, ["properties", "Replicas"])
	is_array(replicas)
	some i, replica in replicas
	not lib.is_unknown(replica)
	is_object(replica)
	path := ["properties", "Replicas", i, "DeletionProtectionEnabled"]
	v := lib.get(t, path)
	not lib.is_unknown(v)
	not lib.is_true(v)
	where := region(replica)
	finding := lib.finding(t, replica_path(v, path, i), sprintf(
		"DynamoDB global table %s has a replica%s without deletion protection (DeletionProtectionEnabled is %v), so it can be deleted",
		[t.address, where, shown(v)],
	))
	fix := sprintf(
		"Set `DeletionProtectionEnabled: true` on the replica%s of the AWS::DynamoDB::GlobalTable %s (each replica has its own setting).",
		[where, t.address],
	)
	f := object.union(finding, {"fix": fix})
}

unprotected(r, path, what) := f if {
	v := lib.get(r, path)
	not lib.is_unknown(v)
	not lib.is_true(v)
	setting := path[count(path) - 1]
	finding := lib.finding(r, path, sprintf(
		"%s %s has no deletion protection (%s is %v), so a bad change or a destroy can delete it and its data",
		[what, r.address, setting, shown(v)],
	))
	f := object.union(finding, {"fix": fix(r, setting)})
}

# The one setting of the type found, as the input spells it.
fix(r, setting) := sprintf("Set `%s: true` on the %s %s.", [setting, r.type, r.address]) if lib.is_cloudformation

fix(r, setting) := sprintf("Set `%s = true` on %s.", [setting, lib.local_address(r)]) if lib.is_terraform

# A member of a DB cluster (Aurora, Multi-AZ DB cluster), whose protection is the
# cluster's.
cluster_member(db) if lib.get(db, ["properties", rds_names.cluster]) != null

cluster_member(db) if {
	e := lib.get(db, ["properties", rds_names.engine])
	is_string(e)
	startswith(lower(e), "aurora")
}

replica_path(null, _, i) := ["properties", "Replicas", i]

replica_path(v, path, _) := path if v != null

region(replica) := sprintf(" in %s", [replica.Region]) if is_string(replica.Region)

region(replica) := "" if not is_string(replica.Region)

shown(null) := "not set"

shown(v) := v if v != null
