# OPS-EVO-005: buckets that receive logs move old logs to cheaper long-term storage (or
# expire them) with an S3 lifecycle rule.
#
# A log bucket is a bucket of the unit that another resource writes logs into, found
# through the references (edges):
# - S3 server access logs: CloudFormation AWS::S3::Bucket
#   LoggingConfiguration.DestinationBucketName; Terraform aws_s3_bucket_logging
#   `target_bucket` or the legacy aws_s3_bucket `logging { target_bucket }`;
# - VPC flow logs: AWS::EC2::FlowLog `LogDestination` (the bucket ARN, `!GetAtt B.Arn`
#   or `!Sub "${B.Arn}/prefix"`); aws_flow_log `log_destination`;
# - CloudTrail: AWS::CloudTrail::Trail `S3BucketName`; aws_cloudtrail `s3_bucket_name`.
# (A flow log whose destination references a log group is not a bucket and is ignored.)
#
# It must have at least one enabled lifecycle rule: CloudFormation
# LifecycleConfiguration.Rules with `Status: Enabled` (Status is required, Enabled |
# Disabled); Terraform an aws_s3_bucket_lifecycle_configuration whose `bucket`
# references it with a `rule { status = "Enabled" }`, or the legacy inline
# `lifecycle_rule { enabled = true }`. Any enabled rule counts (transitions to
# STANDARD_IA/GLACIER/DEEP_ARCHIVE, or expiration): how long logs are kept is the
# owner's decision, the rule checks that the bucket does not grow forever unmanaged.
#
# Findings: a log bucket without lifecycle configuration is reported at the bucket
# (LifecycleConfiguration / the resource header); one whose rules are all disabled is
# reported at the first rule's status (on the aws_s3_bucket_lifecycle_configuration in
# Terraform).
#
# Unknown never fails: an unknown LifecycleConfiguration, Rules list, rule or Status
# (a parameter, `!If`), an unknown or dynamic rule / lifecycle_rule block, or an unknown
# status/enabled is silent for that bucket; an aws_s3_bucket_lifecycle_configuration
# whose `bucket` is unknown and references no bucket of the unit may configure any of
# them, so the rule is silent for the whole unit. Buckets named by literal names
# (outside the unit) are not checked.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent. Joins follow the edges from the
# configuration's references, as in Terraform configuration.
package opsgate.rules.evo_005

import data.opsgate.lib

metadata := {
	"id": "OPS-EVO-005",
	"title": "Log buckets move old logs to long-term storage",
	"severity": "low",
	"area": "Evolve",
	"section": "Learn, Share, and Improve",
	"best_practice": "Perform post-incident analysis",
	"description": concat(" ", [
		"Access logs, flow logs and CloudTrail logs are kept for post-incident analysis and",
		"audits, but they are rarely read after the first weeks. A lifecycle rule moves them",
		"to cheaper storage classes (Standard-IA, Glacier, Deep Archive) and expires them",
		"when they are no longer needed; without one a log bucket grows forever in S3",
		"Standard and the cost of keeping logs pushes teams to keep fewer of them.",
	]),
	"remediation": {
		"cloudformation": "Add `LifecycleConfiguration: {Rules: [{Id: archive, Status: Enabled, Transitions: [{StorageClass: GLACIER, TransitionInDays: 90}], ExpirationInDays: 730}]}` to the log bucket.",
		"terraform": "Add an aws_s3_bucket_lifecycle_configuration with `bucket = aws_s3_bucket.<name>.id` and a `rule { status = \"Enabled\" transition { days = 90, storage_class = \"GLACIER\" } }`.",
	},
	"config_rule": "s3-lifecycle-policy-check",
	"kinds": [
		"aws_s3_bucket", "aws_s3_bucket_logging", "aws_s3_bucket_lifecycle_configuration",
		"aws_flow_log", "aws_cloudtrail",
	],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

# Where each kind of log source names its destination bucket.
destination_paths := {
	"aws_s3_bucket": ["properties", "LoggingConfiguration", "DestinationBucketName"],
	"aws_flow_log": ["properties", "LogDestination"],
	"aws_cloudtrail": ["properties", "S3BucketName"],
} if lib.is_cloudformation

destination_paths := {
	"aws_s3_bucket_logging": ["properties", "target_bucket"],
	"aws_s3_bucket": ["properties", "logging"],
	"aws_flow_log": ["properties", "log_destination"],
	"aws_cloudtrail": ["properties", "s3_bucket_name"],
} if lib.is_terraform

what := {
	"aws_s3_bucket": "access logs",
	"aws_s3_bucket_logging": "access logs",
	"aws_flow_log": "flow logs",
	"aws_cloudtrail": "trail logs",
}

# log_sources[bucket] = "<what> from <source>" for each source that writes into it.
log_sources[e.to] contains sprintf("%s from %s", [what[src.kind], src.address]) if {
	some e in input.edges
	not e.via in {"DependsOn", "depends_on"}
	src := input.resources[e.from]
	prefix := destination_paths[src.kind]
	lib.has_prefix(e.path, prefix)
	input.resources[e.to].kind == "aws_s3_bucket"
}

log_buckets := [input.resources[a] | some a in sort(object.keys(log_sources))]

receives(b) := concat(", ", sort(log_sources[b.address]))

# --- CloudFormation -------------------------------------------------------------

lc_path := ["properties", "LifecycleConfiguration"]

rules_path := ["properties", "LifecycleConfiguration", "Rules"]

cfn_rule_active(b) if {
	rules := lib.get(b, rules_path)
	is_array(rules)
	some i, _ in rules
	status := lib.get(b, array.concat(rules_path, [i, "Status"]))
	status_ok(status)
}

status_ok(s) if s == "Enabled"

status_ok(s) if lib.is_unknown(s)

findings contains f if {
	lib.is_cloudformation
	some b in log_buckets
	lib.get(b, lc_path) == null
	msg := sprintf("log bucket %s (%s) has no LifecycleConfiguration, so old logs stay in S3 Standard forever", [b.address, receives(b)])
	f := object.union(lib.finding(b, lc_path, msg), {"fix": "add LifecycleConfiguration with an enabled rule that transitions logs to GLACIER (and expires them)"})
}

findings contains f if {
	lib.is_cloudformation
	some b in log_buckets
	lc := lib.get(b, lc_path)
	lc != null
	not lib.is_unknown(lc)
	rules := lib.get(b, rules_path)
	not lib.is_unknown(rules)
	not cfn_rule_active(b)
	path := cfn_disabled_path(rules)
	msg := sprintf("log bucket %s (%s) has no enabled lifecycle rule, so old logs stay in S3 Standard forever", [b.address, receives(b)])
	f := object.union(lib.finding(b, path, msg), {"fix": "set Status: Enabled on a lifecycle rule that transitions or expires the logs"})
}

cfn_disabled_path(rules) := array.concat(rules_path, [0, "Status"]) if {
	is_array(rules)
	count(rules) > 0
} else := rules_path

# --- Terraform ------------------------------------------------------------------

lifecycles_of[e.to] contains e.from if {
	lib.is_terraform
	some e in input.edges
	e.via != "depends_on"
	lib.has_prefix(e.path, ["properties", "bucket"])
	input.resources[e.from].kind == "aws_s3_bucket_lifecycle_configuration"
	input.resources[e.to].kind == "aws_s3_bucket"
}

traced contains e.from if {
	lib.is_terraform
	some e in input.edges
	lib.has_prefix(e.path, ["properties", "bucket"])
	input.resources[e.to].kind == "aws_s3_bucket"
}

untraceable_lifecycle if {
	lib.is_terraform
	some lc in lib.resources("aws_s3_bucket_lifecycle_configuration")
	lib.is_unknown(lib.get(lc, ["properties", "bucket"]))
	not traced[lc.address]
}

tf_lifecycle_active(lc) if lib.is_unknown(lib.get(lc, ["properties", "rule"]))

tf_lifecycle_active(lc) if {
	rules := lib.get(lc, ["properties", "rule"])
	is_array(rules)
	some i, _ in rules
	status_ok(lib.get(lc, ["properties", "rule", i, "status"]))
}

legacy_active(b) if lib.is_unknown(lib.get(b, ["properties", "lifecycle_rule"]))

legacy_active(b) if {
	rules := lib.get(b, ["properties", "lifecycle_rule"])
	is_array(rules)
	some i, _ in rules
	enabled := lib.get(b, ["properties", "lifecycle_rule", i, "enabled"])
	legacy_enabled(enabled)
}

legacy_enabled(v) if lib.is_true(v)

legacy_enabled(v) if lib.is_unknown(v)

tf_covered(b) if {
	some a in object.get(lifecycles_of, b.address, set())
	tf_lifecycle_active(input.resources[a])
}

tf_covered(b) if legacy_active(b)

tf_fix(b) := sprintf("add an aws_s3_bucket_lifecycle_configuration with bucket = %s.id and an enabled rule that transitions the logs to GLACIER (and expires them)", [lib.local_address(b)])

# No lifecycle configuration at all.
findings contains f if {
	lib.is_terraform
	not untraceable_lifecycle
	some b in log_buckets
	not tf_covered(b)
	# No lifecycle configuration names the bucket (also when the unit has none at
	# all, where `lifecycles_of` has no key).
	not lifecycles_of[b.address]
	lib.is_empty(lib.get(b, ["properties", "lifecycle_rule"]))
	msg := sprintf("log bucket %s (%s) has no aws_s3_bucket_lifecycle_configuration, so old logs stay in S3 Standard forever", [b.address, receives(b)])
	f := object.union(lib.finding(b, ["properties", "lifecycle_rule"], msg), {"fix": tf_fix(b)})
}

# A lifecycle configuration whose rules are all disabled.
findings contains f if {
	lib.is_terraform
	not untraceable_lifecycle
	some b in log_buckets
	not tf_covered(b)
	some a in object.get(lifecycles_of, b.address, set())
	lc := input.resources[a]
	path := ["properties", "rule", 0, "status"]
	msg := sprintf("lifecycle configuration %s of log bucket %s (%s) has no enabled rule, so old logs stay in S3 Standard forever", [lc.address, b.address, receives(b)])
	f := object.union(lib.finding(lc, path, msg), {"fix": "set status = \"Enabled\" on a rule that transitions or expires the logs"})
}

# A legacy lifecycle_rule block, all disabled.
findings contains f if {
	lib.is_terraform
	not untraceable_lifecycle
	some b in log_buckets
	not tf_covered(b)
	rules := lib.get(b, ["properties", "lifecycle_rule"])
	not lib.is_empty(rules)
	path := ["properties", "lifecycle_rule", 0, "enabled"]
	msg := sprintf("log bucket %s (%s) has no enabled lifecycle_rule, so old logs stay in S3 Standard forever", [b.address, receives(b)])
	f := object.union(lib.finding(b, path, msg), {"fix": "set enabled = true on the lifecycle_rule (or move it to an aws_s3_bucket_lifecycle_configuration)"})
}
