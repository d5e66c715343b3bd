# OPS-TEL-016: CloudFront distributions log the requests they serve.
#
# CloudFormation AWS::CloudFront::Distribution: standard logging (legacy) is
# `DistributionConfig.Logging` with `Bucket` (the S3 bucket domain name, e.g.
# logs.s3.amazonaws.com); `IncludeCookies` and `Prefix` are optional. Without Logging, or
# with an empty Bucket, CloudFront writes no access logs.
# Terraform aws_cloudfront_distribution: the `logging_config { bucket = ... }` block
# (`include_cookies`, `prefix` optional).
#
# Standard logging v2 also counts: CloudFront can deliver access logs through CloudWatch
# Logs vended-log delivery, configured as an AWS::Logs::DeliverySource
# (aws_cloudwatch_log_delivery_source) whose ResourceArn / resource_arn references the
# distribution, connected by an AWS::Logs::Delivery (aws_cloudwatch_log_delivery) whose
# DeliverySourceName / delivery_source_name references that source (*join*). A
# distribution with such a source and delivery is not reported, whatever its legacy
# Logging says. A source without a delivery sends nothing and does not count.
#
# Unknown never fails: an unknown DistributionConfig, Logging / logging_config (a
# conditional, a dynamic block) or Bucket is silent. A missing Logging/logging_config is
# reported at the deepest part of the path that exists (the resource name / header), an
# empty bucket at its value.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent. Joins follow the edges from the
# configuration's references, as in Terraform configuration.
package opsgate.rules.tel_016

import data.opsgate.lib

metadata := {
	"id": "OPS-TEL-016",
	"title": "CloudFront distributions log requests",
	"severity": "low",
	"area": "Prepare",
	"section": "Design Telemetry",
	"best_practice": "Implement and configure workload telemetry",
	"description": concat(" ", [
		"CloudFront access logs record every viewer request: client, URI, edge location, status,",
		"cache result and time taken. They are the only record of what users actually received at",
		"the edge, needed to explain error spikes, cache misses and latency that never reach the",
		"origin's own logs. Logging is off unless the distribution configures it.",
	]),
	"remediation": {
		"cloudformation": "Add `Logging: {Bucket: <bucket>.s3.amazonaws.com, Prefix: <prefix>}` to the distribution's DistributionConfig, or configure standard logging v2 with an AWS::Logs::DeliverySource (ResourceArn of the distribution, LogType ACCESS_LOGS), an AWS::Logs::DeliveryDestination and an AWS::Logs::Delivery.",
		"terraform": "Add `logging_config { bucket = aws_s3_bucket.logs.bucket_domain_name }` to the aws_cloudfront_distribution, or configure standard logging v2 with aws_cloudwatch_log_delivery_source (resource_arn = the distribution's arn, log_type = \"ACCESS_LOGS\"), aws_cloudwatch_log_delivery_destination and aws_cloudwatch_log_delivery.",
	},
	"config_rule": "cloudfront-accesslogs-enabled",
	"kinds": ["aws_cloudfront_distribution", "aws_cloudwatch_log_delivery_source", "aws_cloudwatch_log_delivery"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

# Distributions that deliver access logs through a CloudWatch Logs delivery (v2).
delivery_sources := lib.resources_of(["aws_cloudwatch_log_delivery_source"], ["AWS::Logs::DeliverySource"])

deliveries := lib.resources_of(["aws_cloudwatch_log_delivery"], ["AWS::Logs::Delivery"])

delivered contains s.address if {
	some s in delivery_sources
	some d in deliveries
	s.address in lib.references(d.address)
}

logged_v2 contains dist if {
	some s in delivery_sources
	s.address in delivered
	some dist in lib.references(s.address)
}

# CloudFormation: no Logging, or a Logging without a Bucket.
findings contains f if {
	lib.is_cloudformation
	some r in lib.resources("aws_cloudfront_distribution")
	not r.address in logged_v2
	path := ["properties", "DistributionConfig", "Logging", "Bucket"]
	v := lib.get(r, path)
	not lib.is_unknown(v)
	lib.is_empty(v)
	f := object.union(lib.finding(r, path, message(r, v, "DistributionConfig.Logging.Bucket")), {"fix": "add DistributionConfig.Logging with a Bucket"})
}

# Terraform: no logging_config block, or one without a bucket.
findings contains f if {
	lib.is_terraform
	some r in lib.resources("aws_cloudfront_distribution")
	not r.address in logged_v2
	block := lib.get(r, ["properties", "logging_config"])
	not lib.is_unknown(block)
	path := tf_path(block)
	v := lib.get(r, path)
	not lib.is_unknown(v)
	lib.is_empty(v)
	f := object.union(lib.finding(r, path, message(r, v, "logging_config { bucket }")), {"fix": "add logging_config { bucket = <bucket domain name> }"})
}

tf_path(null) := ["properties", "logging_config"]

tf_path(block) := ["properties", "logging_config", 0, "bucket"] if block != null

message(r, null, what) := sprintf("distribution %s sets no %s and has no CloudWatch Logs delivery, so CloudFront keeps no access logs", [r.address, what])

message(r, v, what) := sprintf("distribution %s has an empty %s and no CloudWatch Logs delivery, so CloudFront keeps no access logs", [r.address, what]) if v != null
