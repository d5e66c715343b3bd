# OPS-DEP-001: stateful resources survive a bad change.
#
# A stack deletion, a resource removed from the template, or an update that replaces
# the resource deletes the data unless DeletionPolicy and UpdateReplacePolicy keep it.
# Checked resources: RDS DB instances (not Aurora cluster members, whose data is the
# cluster's, nor read replicas) and DB clusters, DynamoDB tables (Table, GlobalTable,
# SAM SimpleTable), S3 buckets, EFS file systems, KMS keys, and the log groups that
# receive a CloudTrail trail's events (CloudWatchLogsLogGroupArn), i.e. audit logs.
#
# What keeps the data (CloudFormation DeletionPolicy and UpdateReplacePolicy docs):
#   DeletionPolicy       Retain, RetainExceptOnCreate; Snapshot on RDS only. Absent is
#                        Delete, except RDS DB clusters and DB instances outside a
#                        cluster, where the default is Snapshot (so absent passes).
#   UpdateReplacePolicy  Retain; Snapshot on RDS only. Absent is Delete for every type;
#                        RetainExceptOnCreate is not one of its options.
# Snapshot on a type that cannot snapshot (S3, DynamoDB, EFS, KMS, logs) does not keep
# anything. An intrinsic function in either attribute (AWS::LanguageExtensions) is
# unknown and never fails.
#
# One finding per resource, naming every problem: both attributes usually need the same
# one-line fix, and two findings on the resource's name line would be noise. The finding
# points at the first offending value that is written in the template, else at the
# resource's name.
package opsgate.rules.dep_001

import data.opsgate.lib

metadata := {
	"id": "OPS-DEP-001",
	"title": "Stateful resources survive a bad change",
	"severity": "high",
	"area": "Prepare",
	"section": "Mitigate Deployment Risks",
	"best_practice": "Plan for unsuccessful changes",
	"description": concat(" ", [
		"A failed or mistaken change must not destroy data: deleting a stack, removing a",
		"resource from a template or changing a property that forces replacement makes",
		"CloudFormation delete the old resource, with its data, unless DeletionPolicy and",
		"UpdateReplacePolicy say Retain (or Snapshot, for RDS). This rule checks databases",
		"(RDS instances and clusters, DynamoDB tables), S3 buckets, EFS file systems, KMS",
		"keys (deleting one makes everything encrypted with it unreadable) and the log",
		"groups that hold CloudTrail audit logs. The resources' own deletion protection is",
		"checked separately (OPS-DEP-002).",
	]),
	"remediation": {
		"cloudformation": concat(" ", [
			"Add `DeletionPolicy: Retain` and `UpdateReplacePolicy: Retain` to the resource",
			"(next to Type, not under Properties); for RDS instances and clusters Snapshot",
			"also works. Use `DeletionPolicy: RetainExceptOnCreate` if resources created by a",
			"stack operation that rolls back should still be cleaned up. In the CDK, keep",
			"`removalPolicy: RemovalPolicy.RETAIN` (or SNAPSHOT for databases).",
		]),
		"terraform": concat(" ", [
			"Add `lifecycle { prevent_destroy = true }` to the resource, and turn on the",
			"resource's own protection where it has one (`deletion_protection = true` on",
			"aws_db_instance and aws_rds_cluster with `skip_final_snapshot = false`,",
			"`deletion_protection_enabled = true` on aws_dynamodb_table, no `force_destroy`",
			"on aws_s3_bucket).",
		]),
	},
	"config_rule": null,
	"kinds": [
		"aws_db_instance",
		"aws_rds_cluster",
		"aws_dynamodb_table",
		"aws_s3_bucket",
		"aws_efs_file_system",
		"aws_kms_key",
		"aws_cloudwatch_log_group",
		"aws_cloudtrail",
	],
	"formats": ["cloudformation"],
}

# Native type -> what a message calls it.
stateful_types := {
	"AWS::RDS::DBInstance": "RDS DB instance",
	"AWS::RDS::DBCluster": "RDS DB cluster",
	"AWS::DynamoDB::Table": "DynamoDB table",
	"AWS::DynamoDB::GlobalTable": "DynamoDB global table",
	"AWS::Serverless::SimpleTable": "DynamoDB table",
	"AWS::S3::Bucket": "S3 bucket",
	"AWS::EFS::FileSystem": "EFS file system",
	"AWS::KMS::Key": "KMS key",
}

# Types for which Snapshot is a valid policy (within the checked types).
snapshot_types := {"AWS::RDS::DBInstance", "AWS::RDS::DBCluster"}

log_group_types := ["AWS::Logs::LogGroup"]

log_groups := lib.resources_of(["aws_cloudwatch_log_group"], log_group_types)

trails := lib.resources_of(["aws_cloudtrail"], ["AWS::CloudTrail::Trail"])

# Log groups a trail delivers to, through a reference (Ref, Fn::GetAtt, Fn::Sub) ...
audit_log_groups contains e.to if {
	some t in trails
	some e in object.get(lib.edges_from, t.address, set())
	e.via != "DependsOn"
	lib.has_prefix(e.path, ["properties", "CloudWatchLogsLogGroupArn"])
	input.resources[e.to].type in log_group_types
}

# ... or through a literal ARN naming a log group of this template.
audit_log_groups contains lg.address if {
	some t in trails
	arn := lib.get(t, ["properties", "CloudWatchLogsLogGroupArn"])
	is_string(arn)
	parts := split(arn, ":log-group:")
	count(parts) == 2
	name := split(parts[1], ":")[0]
	some lg in log_groups
	lib.get(lg, ["properties", "LogGroupName"]) == name
}

# An RDS instance that belongs to an Aurora cluster, or a read replica: its data lives
# elsewhere (in the cluster, or in the source instance).
data_elsewhere(r) if {
	r.type == "AWS::RDS::DBInstance"
	lib.get(r, ["properties", "DBClusterIdentifier"]) != null
}

data_elsewhere(r) if {
	r.type == "AWS::RDS::DBInstance"
	lib.get(r, ["properties", "SourceDBInstanceIdentifier"]) != null
}

checked contains r if {
	input.format == "cloudformation"
	some r in lib.resources_of(
		[
			"aws_db_instance", "aws_rds_cluster", "aws_dynamodb_table", "aws_s3_bucket",
			"aws_efs_file_system", "aws_kms_key",
		],
		object.keys(stateful_types),
	)
	r.type in object.keys(stateful_types)
	not data_elsewhere(r)
}

checked contains r if {
	input.format == "cloudformation"
	some address in audit_log_groups
	r := input.resources[address]
}

noun(r) := stateful_types[r.type]

noun(r) := "CloudTrail log group" if r.type in log_group_types

# The problem with each attribute, if any. Unknown values have none.
problem(r, "DeletionPolicy") := p if {
	v := lib.get(r, ["meta", "DeletionPolicy"])
	not lib.is_unknown(v)
	p := deletion_problem(r, v)
}

problem(r, "UpdateReplacePolicy") := p if {
	v := lib.get(r, ["meta", "UpdateReplacePolicy"])
	not lib.is_unknown(v)
	p := replace_problem(r, v)
}

deletion_problem(r, null) := "DeletionPolicy is not set (the default deletes it with the stack)" if {
	not r.type in snapshot_types
}

deletion_problem(_, "Delete") := "DeletionPolicy is Delete"

deletion_problem(r, "Snapshot") := sprintf("DeletionPolicy Snapshot is not supported for %s (nothing is kept)", [r.type]) if {
	not r.type in snapshot_types
}

deletion_problem(_, v) := sprintf("DeletionPolicy %v is not a valid value", [json.marshal(v)]) if {
	v != null
	not v in {"Delete", "Retain", "RetainExceptOnCreate", "Snapshot"}
}

replace_problem(_, null) := "UpdateReplacePolicy is not set (a replacement deletes the old one)"

replace_problem(_, "Delete") := "UpdateReplacePolicy is Delete"

replace_problem(r, "Snapshot") := sprintf("UpdateReplacePolicy Snapshot is not supported for %s (nothing is kept)", [r.type]) if {
	not r.type in snapshot_types
}

replace_problem(_, "RetainExceptOnCreate") := "UpdateReplacePolicy does not accept RetainExceptOnCreate (use Retain)"

replace_problem(_, v) := sprintf("UpdateReplacePolicy %v is not a valid value", [json.marshal(v)]) if {
	v != null
	not v in {"Delete", "Retain", "RetainExceptOnCreate", "Snapshot"}
}

attributes := ["DeletionPolicy", "UpdateReplacePolicy"]

# The first offending attribute written in the template, else the first offending one.
finding_path(r, bad) := ["meta", written[0]] if {
	written := [a | some a in bad; lib.get(r, ["meta", a]) != null]
	count(written) > 0
} else := ["meta", bad[0]]

keep_value(r) := "Snapshot" if r.type in snapshot_types

keep_value(r) := "Retain" if not r.type in snapshot_types

findings contains f if {
	some r in checked
	bad := [a | some a in attributes; problem(r, a)]
	count(bad) > 0
	problems := [problem(r, a) | some a in bad]
	f := object.union(
		lib.finding(r, finding_path(r, bad), sprintf(
			"%s %s does not survive a bad change: %s",
			[noun(r), r.address, concat("; ", problems)],
		)),
		{"fix": sprintf("Set %s on %s.", [
			concat(" and ", [sprintf("`%s: %s`", [a, keep_value(r)]) | some a in bad]),
			r.address,
		])},
	)
}
