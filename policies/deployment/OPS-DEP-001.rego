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
#
# Terraform has no DeletionPolicy. What keeps the data there (provider and Terraform
# documentation):
#   lifecycle { prevent_destroy = true }   every type: Terraform refuses any plan that
#       destroys or replaces the resource (it does not help once the whole resource
#       block is deleted, which the resource's own protection below does cover).
#   aws_db_instance, aws_rds_cluster: `deletion_protection = true` (the API refuses to
#       delete), or a final snapshot: `skip_final_snapshot` defaults to false, and then
#       a destroy or a replacement takes a final snapshot (or fails without a
#       `final_snapshot_identifier`) - the analogue of CloudFormation's Snapshot
#       default. So an RDS resource fails only with `skip_final_snapshot = true`.
#       Read replicas (`replicate_source_db`) keep no data of their own: not checked.
#   aws_dynamodb_table: `deletion_protection_enabled = true`.
#   aws_s3_bucket: S3 refuses to delete a bucket that still holds objects, and the
#       provider passes that on unless `force_destroy = true` (default false), which
#       empties the bucket first. So a bucket fails only with `force_destroy = true`.
#   aws_efs_file_system, aws_kms_key: no deletion protection of their own; only
#       prevent_destroy counts (a KMS key's `deletion_window_in_days` is a waiting
#       period after the deletion was scheduled, not a protection).
#   aws_cloudwatch_log_group receiving an aws_cloudtrail's `cloud_watch_logs_group_arn`
#       (by reference, or by a literal ARN naming it): `deletion_protection_enabled =
#       true`, or `skip_destroy = true` (destroy only forgets it).
# A resource passes when any of its protections is on; an unknown protection (a
# variable without a value, another resource's attribute) may be on, so the rule stays
# silent. The finding points at the first offending value written in the block
# (force_destroy, skip_final_snapshot, the deletion protection attribute), else at
# prevent_destroy, the lifecycle block or the header.
#
# Terraform plan: the own protections are read from the planned values (the provider
# fills in the defaults: force_destroy and skip_final_snapshot false). A plan does not
# carry the lifecycle block (`terraform show -json` leaves it out of the configuration),
# so prevent_destroy is unknown - and the rule silent - for what the plan creates,
# updates or leaves alone, with one exception: Terraform refuses to plan the destruction
# of a resource whose configuration sets prevent_destroy ("Instance cannot be
# destroyed"), so a resource the plan replaces (actions delete and create) has it off.
# Those are the plan's findings: this very plan destroys the old resource. (The
# destruction runs with the old resource's settings; the input has only the planned
# ones, which are the same unless the plan also changes the protection.)
package opsgate.rules.dep_001

import data.opsgate.graph
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
		"groups that hold CloudTrail audit logs. In CloudFormation the resources' own",
		"deletion protection is checked separately (OPS-DEP-002). Terraform has no such",
		"policies: there `lifecycle { prevent_destroy = true }` or the resource's own",
		"protection keeps the data (RDS deletion protection or a final snapshot, DynamoDB",
		"and log group deletion protection, an S3 bucket without force_destroy).",
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
			"Turn on the resource's own protection where it has one: `deletion_protection =",
			"true` on aws_db_instance and aws_rds_cluster (and keep `skip_final_snapshot =",
			"false` with a `final_snapshot_identifier`), `deletion_protection_enabled = true`",
			"on aws_dynamodb_table and on a trail's aws_cloudwatch_log_group (or `skip_destroy",
			"= true`), no `force_destroy = true` on aws_s3_bucket; for EFS file systems and",
			"KMS keys, which have none, add `lifecycle { prevent_destroy = true }` (it also",
			"works for the others).",
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
	"formats": ["cloudformation", "terraform", "terraform-plan"],
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

log_group_types := ["AWS::Logs::LogGroup", "aws_cloudwatch_log_group"]

log_groups := lib.resources_of(["aws_cloudwatch_log_group"], log_group_types)

trails := lib.resources_of(["aws_cloudtrail"], ["AWS::CloudTrail::Trail"])

# Log groups a trail delivers to, through a reference (Ref, Fn::GetAtt, Fn::Sub) ...
audit_log_groups contains e.to if {
	some t in trails
	some e in object.get(graph.edges_from, t.address, set())
	e.via != "DependsOn"
	some prop in ["CloudWatchLogsLogGroupArn", "cloud_watch_logs_group_arn"]
	lib.has_prefix(e.path, ["properties", prop])
	input.resources[e.to].type in log_group_types
}

# ... or through a literal ARN naming a log group of this template.
audit_log_groups contains lg.address if {
	some t in trails
	some prop in ["CloudWatchLogsLogGroupArn", "cloud_watch_logs_group_arn"]
	arn := lib.get(t, ["properties", prop])
	is_string(arn)
	parts := split(arn, ":log-group:")
	count(parts) == 2
	name := split(parts[1], ":")[0]
	some lg in log_groups
	some name_prop in ["LogGroupName", "name"]
	lib.get(lg, ["properties", name_prop]) == name
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
	lib.is_cloudformation
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
	lib.is_cloudformation
	some address in audit_log_groups
	r := input.resources[address]
}

noun(r) := stateful_types[r.type]

noun(r) := "CloudTrail log group" if r.type in log_group_types

noun(r) := tf_stateful_types[r.type]

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

# ---------------------------------------------------------------------------------
# Terraform

# Terraform type -> what a message calls it.
tf_stateful_types := {
	"aws_db_instance": "RDS DB instance",
	"aws_rds_cluster": "RDS DB cluster",
	"aws_dynamodb_table": "DynamoDB table",
	"aws_s3_bucket": "S3 bucket",
	"aws_efs_file_system": "EFS file system",
	"aws_kms_key": "KMS key",
}

tf_checked contains r if {
	lib.is_terraform
	some r in lib.resources_of(object.keys(tf_stateful_types), [])
	not lib.get(r, ["properties", "replicate_source_db"]) != null
}

tf_checked contains r if {
	lib.is_terraform
	some address in audit_log_groups
	r := input.resources[address]
	r.type == "aws_cloudwatch_log_group"
}

# The resource's own protections: [attribute, the value that protects (true) or
# endangers (false) when written, what its absence means].
#   "on_when": true  -> the attribute protects when true (absent = off)
#   "on_when": false -> the attribute endangers when true (absent = protected)
own_protections := {
	"aws_db_instance": [
		{"attr": "skip_final_snapshot", "on_when": false},
		{"attr": "deletion_protection", "on_when": true},
	],
	"aws_rds_cluster": [
		{"attr": "skip_final_snapshot", "on_when": false},
		{"attr": "deletion_protection", "on_when": true},
	],
	"aws_dynamodb_table": [{"attr": "deletion_protection_enabled", "on_when": true}],
	"aws_s3_bucket": [{"attr": "force_destroy", "on_when": false}],
	"aws_efs_file_system": [],
	"aws_kms_key": [],
	"aws_cloudwatch_log_group": [
		{"attr": "deletion_protection_enabled", "on_when": true},
		{"attr": "skip_destroy", "on_when": true},
	],
}

prevent_destroy_path := ["meta", "lifecycle", "prevent_destroy"]

# State of one protection: "on", "off" or "unknown".
flag_state(v, true) := "on" if lib.is_true(v)

flag_state(v, true) := "off" if v == null

flag_state(v, true) := "off" if lib.is_false(v)

flag_state(v, false) := "on" if v == null

flag_state(v, false) := "on" if lib.is_false(v)

flag_state(v, false) := "off" if lib.is_true(v)

# Anything else (unknown, or a value of the wrong type) is not known to be off.
flag_state(v, on_when) := "unknown" if {
	not lib.is_true(v)
	not lib.is_false(v)
	v != null
}

# prevent_destroy is only known in configuration (meta.lifecycle); plans do not carry it.
prevent_destroy_state(r) := flag_state(lib.get(r, prevent_destroy_path), true) if {
	input.format == "terraform"
}

# A plan that replaces the resource proves it off (Terraform would refuse the plan).
prevent_destroy_state(r) := "off" if lib.replaced_by_plan(r)

prevent_destroy_state(r) := "unknown" if {
	input.format != "terraform"
	not lib.replaced_by_plan(r)
}

protection_states(r) := array.concat(
	[{"path": ["properties", p.attr], "attr": p.attr, "on_when": p.on_when, "state": flag_state(lib.get(r, ["properties", p.attr]), p.on_when)} |
		some p in own_protections[r.type]
	],
	[{"path": prevent_destroy_path, "attr": "prevent_destroy", "on_when": true, "state": prevent_destroy_state(r)}],
)

tf_problem(r, s) := "lifecycle.prevent_destroy is not set" if {
	s.attr == "prevent_destroy"
	not lib.is_plan
	lib.get(r, prevent_destroy_path) == null
}

tf_problem(r, s) := "this plan replaces it, so lifecycle.prevent_destroy is not set (Terraform refuses to plan the destruction of a resource that sets it)" if {
	s.attr == "prevent_destroy"
	lib.is_plan
}

tf_problem(r, s) := "lifecycle.prevent_destroy is false" if {
	s.attr == "prevent_destroy"
	lib.get(r, prevent_destroy_path) != null
}

tf_problem(_, s) := "skip_final_snapshot is true (no final snapshot is taken)" if s.attr == "skip_final_snapshot"

tf_problem(_, s) := "force_destroy is true (destroying or replacing the bucket deletes its objects first)" if {
	s.attr == "force_destroy"
}

tf_problem(r, s) := sprintf("%s is not set", [s.attr]) if {
	s.on_when == true
	s.attr != "prevent_destroy"
	lib.get(r, s.path) == null
}

tf_problem(r, s) := sprintf("%s is false", [s.attr]) if {
	s.on_when == true
	s.attr != "prevent_destroy"
	lib.get(r, s.path) != null
}

tf_fix(r) := sprintf(
	"Set `deletion_protection = true` on %s (or keep `skip_final_snapshot = false` with a `final_snapshot_identifier`), or add `lifecycle { prevent_destroy = true }`.",
	[r.address],
) if r.type in {"aws_db_instance", "aws_rds_cluster"}

tf_fix(r) := sprintf("Set `deletion_protection_enabled = true` on %s, or add `lifecycle { prevent_destroy = true }`.", [r.address]) if {
	r.type == "aws_dynamodb_table"
}

tf_fix(r) := sprintf("Remove `force_destroy = true` from %s, or add `lifecycle { prevent_destroy = true }`.", [r.address]) if {
	r.type == "aws_s3_bucket"
}

tf_fix(r) := sprintf("Add `lifecycle { prevent_destroy = true }` to %s.", [r.address]) if {
	r.type in {"aws_efs_file_system", "aws_kms_key"}
}

tf_fix(r) := sprintf(
	"Set `deletion_protection_enabled = true` (or `skip_destroy = true`) on %s, or add `lifecycle { prevent_destroy = true }`.",
	[r.address],
) if r.type == "aws_cloudwatch_log_group"

# The first offending value written in the block, else prevent_destroy (which points
# at its value, the lifecycle block or the resource header).
tf_finding_path(r, states) := written[0] if {
	written := [s.path | some s in states; lib.get(r, s.path) != null]
	count(written) > 0
} else := prevent_destroy_path

findings contains f if {
	some r in tf_checked
	states := protection_states(r)
	every s in states {
		s.state == "off"
	}
	f := object.union(
		lib.finding(r, tf_finding_path(r, states), sprintf(
			"%s %s does not survive a bad change: %s",
			[noun(r), r.address, concat("; ", [tf_problem(r, s) | some s in states])],
		)),
		{"fix": tf_fix(r)},
	)
}
