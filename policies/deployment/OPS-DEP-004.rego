# OPS-DEP-004: DynamoDB tables keep continuous backups (point-in-time recovery).
#
# AWS::DynamoDB::Table: PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled
# must be true (optional; PITR is off when it is not set). A table without it, or with
# false, is reported: at the value when it is written, else at the specification, else
# at the resource's name. RecoveryPeriodInDays (1-35, default 35) is not checked.
#
# AWS::Serverless::SimpleTable: SAM passes PointInTimeRecoverySpecification through to
# the generated AWS::DynamoDB::Table (current SAM specification), so a SimpleTable is
# checked exactly like a table (Globals.SimpleTable is merged by opsgate). Older SAM
# versions did not know the property: the remedy then is an AWS::DynamoDB::Table, and
# the finding is the same.
#
# AWS::DynamoDB::GlobalTable: PITR is set per replica
# (Replicas[*].PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled); each
# replica without it is reported, at its value or at the replica's list item.
#
# Terraform (aws_dynamodb_table): the `point_in_time_recovery { enabled = true }` block
# (optional; without it PITR is off). A missing block is reported at the resource
# header, `enabled = false` at the value. Each `replica {}` block has its own
# `point_in_time_recovery` argument (provider docs: default false): a replica without
# it, or with false, is reported at the replica block. (aws_dynamodb_table_replica
# resources have no canonical kind in opsgate yet and are not checked.)
#
# Unknown never fails: an unknown value, specification, replica list or replica (a
# parameter without default, Fn::If, a variable without value, a dynamic block) is
# silent.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent.
package opsgate.rules.dep_004

import data.opsgate.lib

metadata := {
	"id": "OPS-DEP-004",
	"title": "DynamoDB has point-in-time recovery",
	"severity": "medium",
	"area": "Prepare",
	"section": "Mitigate Deployment Risks",
	"best_practice": "Plan for unsuccessful changes",
	"description": concat(" ", [
		"A bad deployment that writes wrong data, a migration that deletes the wrong",
		"items or a faulty batch job cannot be rolled back by redeploying code: the data",
		"has already changed. Point-in-time recovery keeps continuous backups of a",
		"DynamoDB table for up to 35 days, so the table can be restored to the second",
		"before the change. It is off unless the table (or, for global tables, each",
		"replica) turns it on.",
	]),
	"remediation": {
		"cloudformation": "Set `PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}` on the AWS::DynamoDB::Table or AWS::Serverless::SimpleTable, and on every replica in `Replicas` of an AWS::DynamoDB::GlobalTable.",
		"terraform": "Add `point_in_time_recovery { enabled = true }` to the aws_dynamodb_table, and `point_in_time_recovery = true` to each of its `replica` blocks.",
	},
	"config_rule": "dynamodb-pitr-enabled",
	"kinds": ["aws_dynamodb_table"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

spec_path := ["properties", "PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled"]

noun(t) := "SAM simple table" if t.type == "AWS::Serverless::SimpleTable"

noun(t) := "table" if t.type != "AWS::Serverless::SimpleTable"

# CloudFormation tables and SAM simple tables.
cfn_tables := [t |
	some t in lib.resources("aws_dynamodb_table")
	t.type in {"AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable"}
]

findings contains f if {
	lib.is_cloudformation
	some t in cfn_tables
	lib.get(t, spec_path) == null
	msg := sprintf("%s %s has no PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled, so point-in-time recovery is off and a bad write cannot be undone", [noun(t), t.address])
	f := object.union(lib.finding(t, spec_path, msg), {"fix": sprintf("Set PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled: true on %s.", [t.address])})
}

findings contains f if {
	lib.is_cloudformation
	some t in cfn_tables
	lib.is_false(lib.get(t, spec_path))
	msg := sprintf("%s %s has PointInTimeRecoveryEnabled false, so a bad write cannot be undone", [noun(t), t.address])
	f := object.union(lib.finding(t, spec_path, msg), {"fix": sprintf("Set PointInTimeRecoveryEnabled: true on %s.", [t.address])})
}

# CloudFormation global tables: each replica.
findings contains f if {
	lib.is_cloudformation
	some t in lib.resources("aws_dynamodb_table")
	t.type == "AWS::DynamoDB::GlobalTable"
	replicas := lib.get(t, ["properties", "Replicas"])
	is_array(replicas)
	some i, _ in replicas
	path := ["properties", "Replicas", i, "PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled"]
	v := lib.get(t, path)
	not_enabled(v)
	msg := sprintf("global table %s: replica in %s %s, so point-in-time recovery is off there", [t.address, region_text(lib.get(t, ["properties", "Replicas", i, "Region"])), state_text(v, "PointInTimeRecoveryEnabled")])
	f := object.union(lib.finding(t, path, msg), {"fix": sprintf("Set PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled: true on every replica of %s.", [t.address])})
}

# Terraform: no point_in_time_recovery block.
findings contains f if {
	lib.is_terraform
	some t in lib.resources("aws_dynamodb_table")
	path := ["properties", "point_in_time_recovery"]
	lib.is_empty(lib.get(t, path))
	msg := sprintf("table %s has no point_in_time_recovery block, so point-in-time recovery is off and a bad write cannot be undone", [t.address])
	f := object.union(lib.finding(t, path, msg), {"fix": sprintf("Add point_in_time_recovery { enabled = true } to %s.", [t.address])})
}

# Terraform: the block with enabled false (or without enabled).
findings contains f if {
	lib.is_terraform
	some t in lib.resources("aws_dynamodb_table")
	blocks := lib.get(t, ["properties", "point_in_time_recovery"])
	is_array(blocks)
	some i, _ in blocks
	path := ["properties", "point_in_time_recovery", i, "enabled"]
	v := lib.get(t, path)
	not_enabled(v)
	msg := sprintf("table %s %s in its point_in_time_recovery block, so a bad write cannot be undone", [t.address, tf_state_text(v, "enabled")])
	f := object.union(lib.finding(t, path, msg), {"fix": sprintf("Set enabled = true in the point_in_time_recovery block of %s.", [t.address])})
}

# Terraform: replica blocks, each with its own point_in_time_recovery (default false).
findings contains f if {
	lib.is_terraform
	some t in lib.resources("aws_dynamodb_table")
	replicas := lib.get(t, ["properties", "replica"])
	is_array(replicas)
	some i, _ in replicas
	path := ["properties", "replica", i, "point_in_time_recovery"]
	v := lib.get(t, path)
	not_enabled(v)
	msg := sprintf("table %s: replica in %s %s, so point-in-time recovery is off there", [t.address, region_text(lib.get(t, ["properties", "replica", i, "region_name"])), tf_state_text(v, "point_in_time_recovery")])
	f := object.union(lib.finding(t, path, msg), {"fix": sprintf("Set point_in_time_recovery = true in every replica block of %s.", [t.address])})
}

# Absent or false; unknown is neither.
not_enabled(v) if v == null

not_enabled(v) if lib.is_false(v)

state_text(v, name) := sprintf("has no %s", [name]) if v == null

state_text(v, name) := sprintf("has %s false", [name]) if v != null

tf_state_text(v, name) := sprintf("has no %s", [name]) if v == null

tf_state_text(v, name) := sprintf("has %s = false", [name]) if v != null

region_text(r) := r if is_string(r)

region_text(r) := "an unknown region" if not is_string(r)
