# OPS-DEP-012: artifact and state buckets keep versions.
#
# Which buckets: the catalogue says "artifact and state buckets", the buckets a failed
# change is rolled back from. Versioning every bucket (what the AWS Config rule
# s3-bucket-versioning-enabled checks) is a storage and data-lifecycle decision, not a
# deployment-risk one, and would report log, website and scratch buckets that nobody
# restores a deployment from. So by default the rule checks a bucket when
#   - a CodePipeline uses it as its artifact store (a join: an edge from an
#     AWS::CodePipeline::Pipeline at ArtifactStore/ArtifactStores, or from an
#     aws_codepipeline at artifact_store), or
#   - its logical id / Terraform name, or its bucket name, matches the rule parameter
#     `name_pattern` (default: artifact(s), tfstate, terraform state, state bucket,
#     CloudFormation/CFN templates, deployment/release/build artifacts), which is how
#     Terraform state buckets, CloudFormation template buckets and CI artifact buckets
#     are recognisable statically (a Terraform backend is configured outside the module
#     that creates its bucket).
# Set the parameter `all_buckets = true` to check every bucket, as the Config rule does.
#
# CloudFormation (AWS::S3::Bucket): VersioningConfiguration.Status must be Enabled.
# Absent is reported at the resource's name, Suspended at the value.
#
# Terraform (aws_s3_bucket): versioning is on when an aws_s3_bucket_versioning names the
# bucket (an edge at its `bucket`, or the same literal bucket name) with
# `versioning_configuration { status = "Enabled" }`, or with the legacy
# `versioning { enabled = true }` block on the bucket. A bucket with neither is reported
# at its header; `versioning { enabled = false }` at the value (when no
# aws_s3_bucket_versioning enables it); an aws_s3_bucket_versioning of an in-scope
# bucket with status Suspended or Disabled is reported on that resource, at the status.
#
# Unknown never fails: an unknown status or enabled value, a dynamic block, or an
# unknown VersioningConfiguration is silent; so is every bucket without versioning in a
# Terraform unit where some aws_s3_bucket_versioning names its bucket through a value
# opsgate cannot resolve to a bucket of the unit (it could be any of them).
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent. Joins follow the edges from the
# configuration's references, as in Terraform configuration.
package opsgate.rules.dep_012

import data.opsgate.graph
import data.opsgate.lib

metadata := {
	"id": "OPS-DEP-012",
	"title": "Artifact and state buckets keep versions",
	"severity": "low",
	"area": "Prepare",
	"section": "Mitigate Deployment Risks",
	"best_practice": "Plan for unsuccessful changes",
	"description": concat(" ", [
		"Rolling back a failed change means deploying the previous artifact, template or",
		"Terraform state again. When the bucket that holds them overwrites objects in",
		"place, the previous version is gone exactly when it is needed. With versioning",
		"every overwrite and delete keeps the earlier object. The rule checks buckets used",
		"as CodePipeline artifact stores and buckets whose name says they hold artifacts,",
		"state or templates (parameter `name_pattern`); set `all_buckets` to check every",
		"bucket.",
	]),
	"remediation": {
		"cloudformation": "Set `VersioningConfiguration: {Status: Enabled}` on the AWS::S3::Bucket (and a lifecycle rule with NoncurrentVersionExpiration to bound the cost).",
		"terraform": "Add an `aws_s3_bucket_versioning` with `bucket = aws_s3_bucket.<name>.id` and `versioning_configuration { status = \"Enabled\" }` (provider v3: `versioning { enabled = true }` on the bucket).",
	},
	"config_rule": "s3-bucket-versioning-enabled",
	"kinds": ["aws_s3_bucket", "aws_s3_bucket_versioning", "aws_codepipeline"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
	"parameters": {
		"all_buckets": false,
		"name_pattern": `(?i)(artifact|tf-?state|terraform[-_.]?state|state[-_.]?(bucket|store|files)|cfn[-_.]?templates?|cloudformation[-_.]?templates?|(deploy|deployment|release|build)[-_.]?(bucket|artifacts?|packages?))`,
	},
}

all_buckets := lib.is_true(lib.param(metadata.id, "all_buckets", metadata.parameters.all_buckets))

name_pattern := lib.param(metadata.id, "name_pattern", metadata.parameters.name_pattern)

# Buckets a CodePipeline stores its artifacts in, through the edges into each bucket.
artifact_store[to] if {
	some to, edges in graph.edges_to
	some e in edges
	from := input.resources[e.from]
	from.type in {"AWS::CodePipeline::Pipeline", "aws_codepipeline"}
	some p in e.path
	p in {"ArtifactStore", "ArtifactStores", "artifact_store"}
}

bucket_name_attr := "BucketName" if lib.is_cloudformation

bucket_name_attr := "bucket" if lib.is_terraform

# Why the bucket is in scope, for the message.
scope_reason(b) := "a CodePipeline artifact store" if artifact_store[b.address]

else := "an artifact or state bucket by its name" if {
	names := [n |
		some n in [lib.local_address(b), object.get(b, ["properties", bucket_name_attr], null)]
		is_string(n)
	]
	some n in names
	regex.match(name_pattern, n)
}

else := "a bucket" if all_buckets

# CloudFormation ------------------------------------------------------------------

status_path := ["properties", "VersioningConfiguration", "Status"]

findings contains f if {
	lib.is_cloudformation
	some b in lib.resources("aws_s3_bucket")
	b.type == "AWS::S3::Bucket"
	why := scope_reason(b)
	lib.get(b, status_path) == null
	f := object.union(
		lib.finding(b, ["properties", "VersioningConfiguration"], sprintf(
			"bucket %s (%s) has no VersioningConfiguration: an overwritten or deleted object cannot be restored for a rollback",
			[b.address, why],
		)),
		{"fix": sprintf("Set VersioningConfiguration: {Status: Enabled} on %s.", [b.address])},
	)
}

findings contains f if {
	lib.is_cloudformation
	some b in lib.resources("aws_s3_bucket")
	b.type == "AWS::S3::Bucket"
	why := scope_reason(b)
	s := lib.get(b, status_path)
	is_string(s)
	s != "Enabled"
	f := object.union(
		lib.finding(b, status_path, sprintf(
			"bucket %s (%s) has versioning %s: an overwritten or deleted object cannot be restored for a rollback",
			[b.address, why, s],
		)),
		{"fix": sprintf("Set VersioningConfiguration.Status to Enabled on %s.", [b.address])},
	)
}

# Terraform ------------------------------------------------------------------------

tf_versionings := lib.resources("aws_s3_bucket_versioning")

# Bucket addresses each aws_s3_bucket_versioning names through an edge at `bucket`.
versioned_by_edge[to] contains v.address if {
	lib.is_terraform
	some v in tf_versionings
	some e in object.get(graph.edges_from, v.address, set())
	lib.has_prefix(e.path, ["properties", "bucket"])
	to := e.to
}

# aws_s3_bucket_versioning resources by literal bucket name.
versioned_by_name[name] contains v.address if {
	some v in tf_versionings
	name := lib.get(v, ["properties", "bucket"])
	is_string(name)
}

# A versioning resource whose bucket opsgate cannot tie to a bucket of the unit.
unresolved_versioning if {
	some v in tf_versionings
	lib.is_unknown(lib.get(v, ["properties", "bucket"]))
	count([e |
		some e in object.get(graph.edges_from, v.address, set())
		lib.has_prefix(e.path, ["properties", "bucket"])
	]) == 0
}

versionings_of(b) := object.get(versioned_by_edge, b.address, set()) | by_name if {
	name := lib.get(b, ["properties", "bucket"])
	is_string(name)
	by_name := object.get(versioned_by_name, name, set())
} else := object.get(versioned_by_edge, b.address, set())

tf_status_path := ["properties", "versioning_configuration", 0, "status"]

legacy_path := ["properties", "versioning", 0, "enabled"]

tf_buckets := [b |
	lib.is_terraform
	some b in lib.resources("aws_s3_bucket")
	b.type == "aws_s3_bucket"
]

findings contains f if {
	some b in tf_buckets
	why := scope_reason(b)
	count(versionings_of(b)) == 0
	not unresolved_versioning
	legacy := lib.get(b, ["properties", "versioning"])
	lib.is_empty(legacy)
	f := object.union(
		lib.finding(b, ["properties", "versioning"], sprintf(
			"bucket %s (%s) has no aws_s3_bucket_versioning: an overwritten or deleted object cannot be restored for a rollback",
			[b.address, why],
		)),
		{"fix": sprintf("Add an aws_s3_bucket_versioning for %s with versioning_configuration { status = \"Enabled\" }.", [b.address])},
	)
}

findings contains f if {
	some b in tf_buckets
	why := scope_reason(b)
	count(versionings_of(b)) == 0
	lib.is_false(lib.get(b, legacy_path))
	f := object.union(
		lib.finding(b, legacy_path, sprintf(
			"bucket %s (%s) has versioning disabled: an overwritten or deleted object cannot be restored for a rollback",
			[b.address, why],
		)),
		{"fix": sprintf("Enable versioning of %s (aws_s3_bucket_versioning with status = \"Enabled\").", [b.address])},
	)
}

findings contains f if {
	some b in tf_buckets
	why := scope_reason(b)
	some va in versionings_of(b)
	v := input.resources[va]
	s := lib.get(v, tf_status_path)
	is_string(s)
	s != "Enabled"
	f := object.union(
		lib.finding(v, tf_status_path, sprintf(
			"%s sets the versioning of bucket %s (%s) to %s: an overwritten or deleted object cannot be restored for a rollback",
			[v.address, b.address, why, s],
		)),
		{"fix": sprintf("Set status = \"Enabled\" in the versioning_configuration of %s.", [v.address])},
	)
}
