# OPS-TEL-019: every S3 bucket writes server access logs.
#
# CloudFormation (AWS::S3::Bucket): the bucket must set LoggingConfiguration. Per the
# CloudFormation docs DestinationBucketName is optional ("By default, logs are stored in
# the bucket where the LoggingConfiguration property is defined"), so any
# LoggingConfiguration, even `{}`, turns access logging on; the catalogue's "with
# DestinationBucketName" is therefore not required (the docs win).
#
# Terraform (aws_s3_bucket): a bucket is covered by an aws_s3_bucket_logging whose
# `bucket` references it (an edge at `bucket`, also across local module boundaries), or
# by the legacy inline `logging {}` block (provider v3 style, deprecated but still valid).
#
# Log destination buckets are exempt: a bucket that receives another bucket's access
# logs (CloudFormation LoggingConfiguration.DestinationBucketName referencing it,
# Terraform aws_s3_bucket_logging `target_bucket` or a legacy `logging { target_bucket }`
# referencing it). Logging a log bucket either writes into itself (S3 advises against
# that: every log delivery causes another log record) or needs yet another bucket, and
# its objects are written by the logging service only. This is a deliberate choice;
# the AWS Config rule s3-bucket-logging-enabled does not exempt them. Buckets that
# receive other logs (CloudTrail, VPC flow logs, load balancer logs) are NOT exempt:
# who reads the audit trail is exactly what access logs should show (CIS AWS
# Foundations asks for access logging on the CloudTrail bucket).
#
# Unknown never fails: an unknown LoggingConfiguration (`!If`, ...) or an unknown or
# dynamic `logging` block is silent for that bucket; a Terraform aws_s3_bucket_logging
# whose `bucket` is unknown and references no aws_s3_bucket of the unit (a variable, a
# data source) may log any bucket, so the rule is silent for the whole unit.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent. Joins follow the edges from the
# configuration's references, as in Terraform configuration.
package opsgate.rules.tel_019

import data.opsgate.lib

metadata := {
	"id": "OPS-TEL-019",
	"title": "S3 buckets log access",
	"severity": "low",
	"area": "Prepare",
	"section": "Design Telemetry",
	"best_practice": "Implement and configure workload telemetry",
	"description": concat(" ", [
		"S3 server access logs record every request made to a bucket: who read, wrote or",
		"deleted which object, from where, and with which result. They are the only record",
		"of data-plane requests that CloudTrail data events do not cover by default, and they",
		"are needed to investigate unexpected access, errors and cost spikes. Buckets that",
		"only receive other buckets' access logs are exempt.",
	]),
	"remediation": {
		"cloudformation": "Add `LoggingConfiguration: {DestinationBucketName: !Ref AccessLogBucket, LogFilePrefix: <bucket>/}` to the AWS::S3::Bucket, with a log bucket that grants the logging.s3.amazonaws.com service principal s3:PutObject.",
		"terraform": "Add an `aws_s3_bucket_logging` resource with `bucket = aws_s3_bucket.<name>.id` and `target_bucket` set to the access log bucket.",
	},
	"config_rule": "s3-bucket-logging-enabled",
	"kinds": ["aws_s3_bucket", "aws_s3_bucket_logging"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

# Buckets that receive another bucket's access logs (exempt).
log_destinations contains e.to if {
	lib.is_cloudformation
	some e in input.edges
	lib.has_prefix(e.path, ["properties", "LoggingConfiguration", "DestinationBucketName"])
	input.resources[e.from].kind == "aws_s3_bucket"
}

log_destinations contains e.to if {
	lib.is_terraform
	some e in input.edges
	not e.via == "depends_on"
	src := input.resources[e.from]
	destination_path(src.kind, e.path)
}

destination_path("aws_s3_bucket_logging", path) if lib.has_prefix(path, ["properties", "target_bucket"])

destination_path("aws_s3_bucket", path) if {
	lib.has_prefix(path, ["properties", "logging"])
	"target_bucket" in path
}

# Terraform: buckets an aws_s3_bucket_logging configures.
logged contains e.to if {
	lib.is_terraform
	some e in input.edges
	e.via != "depends_on"
	lib.has_prefix(e.path, ["properties", "bucket"])
	input.resources[e.from].kind == "aws_s3_bucket_logging"
	input.resources[e.to].kind == "aws_s3_bucket"
}

logging_sources_traced contains e.from if {
	lib.is_terraform
	some e in input.edges
	lib.has_prefix(e.path, ["properties", "bucket"])
	input.resources[e.to].kind == "aws_s3_bucket"
}

# A logging configuration for a bucket that cannot be known.
untraceable_logging if {
	lib.is_terraform
	some l in lib.resources("aws_s3_bucket_logging")
	lib.is_unknown(lib.get(l, ["properties", "bucket"]))
	not logging_sources_traced[l.address]
}

findings contains f if {
	lib.is_cloudformation
	some b in lib.resources("aws_s3_bucket")
	not log_destinations[b.address]
	path := ["properties", "LoggingConfiguration"]
	lib.get(b, path) == null
	msg := sprintf("bucket %s has no LoggingConfiguration, so S3 records no server access logs for it", [b.address])
	f := object.union(lib.finding(b, path, msg), {"fix": "add LoggingConfiguration with DestinationBucketName set to the access log bucket"})
}

findings contains f if {
	lib.is_terraform
	not untraceable_logging
	some b in lib.resources("aws_s3_bucket")
	not log_destinations[b.address]
	not logged[b.address]
	lib.is_empty(lib.get(b, ["properties", "logging"]))
	msg := sprintf("bucket %s has no aws_s3_bucket_logging (and no logging block), so S3 records no server access logs for it", [b.address])
	fix := sprintf("add an aws_s3_bucket_logging with bucket = %s.id and target_bucket set to the access log bucket", [lib.local_address(b)])
	f := object.union(lib.finding(b, ["properties", "logging"], msg), {"fix": fix})
}
