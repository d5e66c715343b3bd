# OPS-EVT-008: stream event sources handle poison records.
#
# A Lambda event source mapping that reads a Kinesis data stream (or a stream consumer)
# or a DynamoDB stream must not retry a failing batch forever: it either sends discarded
# records to an on-failure destination, or splits failing batches
# (BisectBatchOnFunctionError) with a bounded number of retries. MaximumRetryAttempts
# defaults to -1 (infinite: a poison record blocks its shard until it expires), so
# bisecting alone is not enough.
#
# CloudFormation: AWS::Lambda::EventSourceMapping `DestinationConfig.OnFailure`
# (`Destination`), `BisectBatchOnFunctionError`, `MaximumRetryAttempts`; SAM
# AWS::Serverless::Function events of type Kinesis / DynamoDB (same property names
# under the event's Properties). Terraform: aws_lambda_event_source_mapping
# `destination_config { on_failure { destination_arn } }`,
# `bisect_batch_on_function_error`, `maximum_retry_attempts`.
#
# Scope: the source is a stream when EventSourceArn / event_source_arn is a literal
# Kinesis or DynamoDB stream ARN, or references a Kinesis stream, stream consumer or
# DynamoDB table. SQS, MSK, self-managed Kafka and MQ sources are out of scope.
#
# Unknown values never fail: a source that cannot be told (an unknown ARN that leads
# to no resource), an unknown destination, an unknown bisect flag or retry count.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent. Joins follow the edges from the
# configuration's references, as in Terraform configuration.
package opsgate.rules.evt_008

import data.opsgate.graph
import data.opsgate.lib

metadata := {
	"id": "OPS-EVT-008",
	"title": "Stream event sources handle poison records",
	"severity": "low",
	"area": "Operate",
	"section": "Responding to Events",
	"best_practice": "Automate responses to events",
	"description": concat(" ", [
		"Lambda reads a Kinesis or DynamoDB stream shard in order: when a batch fails, it",
		"retries the same batch, by default until the records expire (MaximumRetryAttempts",
		"-1). One record the function cannot process blocks its shard for up to a week and",
		"then disappears. Send discarded records to an on-failure destination (SQS, SNS, S3),",
		"or split failing batches with a bounded number of retries so the poison record is",
		"isolated and skipped.",
	]),
	"remediation": {
		"cloudformation": concat(" ", [
			"On the AWS::Lambda::EventSourceMapping (or the SAM Kinesis/DynamoDB event) set",
			"`DestinationConfig: {OnFailure: {Destination: !GetAtt FailedRecordsQueue.Arn}}`,",
			"ideally with `BisectBatchOnFunctionError: true` and `MaximumRetryAttempts: 3`.",
		]),
		"terraform": concat(" ", [
			"On the aws_lambda_event_source_mapping add `destination_config { on_failure {",
			"destination_arn = aws_sqs_queue.failed_records.arn } }`, ideally with",
			"`bisect_batch_on_function_error = true` and `maximum_retry_attempts = 3`.",
		]),
	},
	"config_rule": null,
	"kinds": ["aws_lambda_event_source_mapping", "aws_lambda_function"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

# Native property names per format.
names := {
	"arn": "EventSourceArn", "bisect": "BisectBatchOnFunctionError",
	"retries": "MaximumRetryAttempts",
} if lib.is_cloudformation

names := {
	"arn": "event_source_arn", "bisect": "bisect_batch_on_function_error",
	"retries": "maximum_retry_attempts",
} if lib.is_terraform

stream_kinds := {"aws_kinesis_stream", "aws_dynamodb_table", "aws_kinesis_stream_consumer"}

stream_types := {
	"AWS::Kinesis::Stream", "AWS::Kinesis::StreamConsumer", "AWS::DynamoDB::Table",
	"AWS::DynamoDB::GlobalTable",
}

# A literal ARN of a Kinesis stream / consumer or a DynamoDB stream.
stream_arn(v) if {
	is_string(v)
	regex.match(`^arn:[^:]+:kinesis:`, v)
}

stream_arn(v) if {
	is_string(v)
	regex.match(`^arn:[^:]+:dynamodb:[^:]*:[^:]*:table/[^/]+/stream/`, v)
}

# The mapping's source is a stream: a literal stream ARN, or a reference to a stream.
reads_stream(m) if stream_arn(lib.get(m, ["properties", names.arn]))

reads_stream(m) if {
	some e in object.get(graph.edges_from, m.address, set())
	not e.via in {"DependsOn", "depends_on"}
	lib.paths_overlap(e.path, ["properties", names.arn])
	target := input.resources[e.to]
	stream_target(target)
}

stream_target(t) if t.kind in stream_kinds

stream_target(t) if t.type in stream_types

# ---- CloudFormation --------------------------------------------------------------

# Mappings: (resource, path prefix of the settings, label) triples.
sources contains [m, ["properties"], m.address] if {
	lib.is_cloudformation
	some m in lib.resources("aws_lambda_event_source_mapping")
	reads_stream(m)
}

# SAM: function events of type Kinesis or DynamoDB (always streams).
sources contains [fn, ["properties", "Events", name, "Properties"], label] if {
	lib.is_cloudformation
	some fn in lib.resources("aws_lambda_function")
	fn.type == "AWS::Serverless::Function"
	events := lib.get(fn, ["properties", "Events"])
	is_object(events)
	not lib.is_unknown(events)
	some name, ev in events
	ev.Type in {"Kinesis", "DynamoDB"}
	label := sprintf("%s (event %s)", [fn.address, name])
}

# A destination (or an unknown on the way to it: lib.get returns the first unknown).
has_destination(r, prefix) if {
	lib.is_cloudformation
	d := lib.get(r, array.concat(prefix, ["DestinationConfig", "OnFailure", "Destination"]))
	not lib.is_empty(d)
}

missing_destination_path(prefix) := array.concat(prefix, ["DestinationConfig", "OnFailure", "Destination"]) if lib.is_cloudformation

# ---- Terraform -------------------------------------------------------------------

sources contains [m, ["properties"], m.address] if {
	lib.is_terraform
	some m in lib.resources("aws_lambda_event_source_mapping")
	reads_stream(m)
}

has_destination(r, prefix) if {
	lib.is_terraform
	d := lib.get(r, array.concat(prefix, ["destination_config"]))
	lib.is_unknown(d)
}

has_destination(r, prefix) if {
	lib.is_terraform
	blocks := lib.get(r, array.concat(prefix, ["destination_config"]))
	is_array(blocks)
	some b in blocks
	of := object.get(b, "on_failure", null)
	lib.is_unknown(of)
}

has_destination(r, prefix) if {
	lib.is_terraform
	blocks := lib.get(r, array.concat(prefix, ["destination_config"]))
	is_array(blocks)
	some b in blocks
	ofs := object.get(b, "on_failure", [])
	is_array(ofs)
	some o in ofs
	arn := object.get(o, "destination_arn", null)
	not lib.is_empty(arn)
}

missing_destination_path(prefix) := array.concat(prefix, ["destination_config", 0, "on_failure", 0, "destination_arn"]) if lib.is_terraform

# ---- both formats ----------------------------------------------------------------

# The bisect flag: true, false (absent = false) or unknown.
bisect_state(r, prefix) := "unknown" if lib.is_unknown(lib.get(r, array.concat(prefix, [names.bisect])))

bisect_state(r, prefix) := "on" if lib.is_true(lib.get(r, array.concat(prefix, [names.bisect])))

bisect_state(r, prefix) := "off" if {
	v := lib.get(r, array.concat(prefix, [names.bisect]))
	not lib.is_unknown(v)
	not lib.is_true(v)
}

# Retries: bounded (a number 0..10000), infinite (absent, -1) or unknown.
retry_state(r, prefix) := "unknown" if lib.is_unknown(lib.get(r, array.concat(prefix, [names.retries])))

retry_state(r, prefix) := "infinite" if lib.get(r, array.concat(prefix, [names.retries])) == null

retry_state(r, prefix) := "infinite" if lib.as_number(lib.get(r, array.concat(prefix, [names.retries]))) < 0

retry_state(r, prefix) := "bounded" if lib.as_number(lib.get(r, array.concat(prefix, [names.retries]))) >= 0

findings contains f if {
	some [r, prefix, label] in sources
	not has_destination(r, prefix)
	bisect_state(r, prefix) == "off"
	f := object.union(
		lib.finding(r, missing_destination_path(prefix), sprintf(
			"stream event source %s has no on-failure destination and does not bisect failing batches: one poison record blocks its shard until it expires",
			[label],
		)),
		{"fix": fix(label)},
	)
}

findings contains f if {
	some [r, prefix, label] in sources
	not has_destination(r, prefix)
	bisect_state(r, prefix) == "on"
	retry_state(r, prefix) == "infinite"
	f := object.union(
		lib.finding(r, array.concat(prefix, [names.retries]), sprintf(
			"stream event source %s bisects failing batches but retries them forever (%s unset or -1) and has no on-failure destination",
			[label, names.retries],
		)),
		{"fix": fix(label)},
	)
}

fix(label) := sprintf(
	"Add `DestinationConfig: {OnFailure: {Destination: <queue or topic ARN>}}` to %s, or `BisectBatchOnFunctionError: true` with `MaximumRetryAttempts: 3`.",
	[label],
) if lib.is_cloudformation

fix(label) := sprintf(
	"Add `destination_config { on_failure { destination_arn = <queue or topic ARN> } }` to %s, or `bisect_batch_on_function_error = true` with `maximum_retry_attempts = 3`.",
	[label],
) if lib.is_terraform
