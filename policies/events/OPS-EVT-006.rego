# OPS-EVT-006: a Lambda function invoked asynchronously keeps the events it fails to
# process (a dead-letter queue or an on-failure destination).
#
# A function of the unit is invoked asynchronously when (edges of the resource graph):
#  - CloudFormation: an AWS::Events::Rule references it at Targets[*].Arn; an
#    AWS::SNS::Subscription at Endpoint, or an AWS::SNS::Topic at Subscription[*].Endpoint;
#    an AWS::S3::Bucket at NotificationConfiguration.LambdaConfigurations[*].Function;
#    a SAM function has an event of type SNS, S3, EventBridgeRule, CloudWatchEvent,
#    Schedule or ScheduleV2;
#  - Terraform: an aws_cloudwatch_event_target references it at `arn`, an
#    aws_sns_topic_subscription at `endpoint`, an aws_s3_bucket_notification at
#    lambda_function[*].lambda_function_arn.
#
# Such a function keeps failed events when:
#  - CloudFormation: AWS::Lambda::Function `DeadLetterConfig.TargetArn`; SAM
#    `DeadLetterQueue` (SAM's name for it) or `EventInvokeConfig.DestinationConfig.OnFailure`;
#    an AWS::Lambda::EventInvokeConfig whose FunctionName references it with
#    `DestinationConfig.OnFailure`;
#  - Terraform: `dead_letter_config { target_arn }`, or an
#    aws_lambda_function_event_invoke_config whose function_name references it with
#    `destination_config { on_failure {} }`.
# The finding is at the (missing) DeadLetterConfig / DeadLetterQueue / dead_letter_config,
# that is the function's name or header.
#
# Unknown never fails: an unknown dead-letter configuration, an unknown OnFailure, an event
# invoke configuration of the function with an unknown destination, or one whose function
# is unknown and references no function of the unit (it may be this one: the rule is
# silent for the unit) are treated as keeping failed events. A function invoked through an
# alias or version, or only through a literal ARN, is not seen as a target.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent. Joins follow the edges from the
# configuration's references, as in Terraform configuration.
package opsgate.rules.evt_006

import data.opsgate.graph
import data.opsgate.lib

metadata := {
	"id": "OPS-EVT-006",
	"title": "Asynchronously invoked functions keep failed events",
	"severity": "medium",
	"area": "Operate",
	"section": "Responding to Events",
	"best_practice": "Automate responses to events",
	"description": concat(" ", [
		"EventBridge, SNS and S3 invoke Lambda asynchronously: Lambda queues the event,",
		"retries twice on error and then discards it. Without a dead-letter queue or an",
		"on-failure destination the failed events are lost silently, and nobody can inspect",
		"or replay them once the bug is fixed.",
	]),
	"remediation": {
		"cloudformation": "Give the function `DeadLetterConfig: {TargetArn: <SQS queue or SNS topic ARN>}` (SAM: `DeadLetterQueue: {Type: SQS, TargetArn: ...}`), or add an AWS::Lambda::EventInvokeConfig for it (SAM: `EventInvokeConfig`) with `DestinationConfig.OnFailure.Destination`.",
		"terraform": "Add `dead_letter_config { target_arn = aws_sqs_queue.dlq.arn }` to the aws_lambda_function, or an aws_lambda_function_event_invoke_config for it with `destination_config { on_failure { destination = ... } }`.",
	},
	"config_rule": "lambda-dlq-check",
	"kinds": [
		"aws_lambda_function", "aws_cloudwatch_event_rule", "aws_cloudwatch_event_target",
		"aws_sns_topic", "aws_sns_topic_subscription", "aws_s3_bucket",
		"aws_s3_bucket_notification", "aws_lambda_function_event_invoke_config",
	],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

fix_lambda := "add DeadLetterConfig.TargetArn, or an AWS::Lambda::EventInvokeConfig with DestinationConfig.OnFailure"

fix_sam := "add DeadLetterQueue, or EventInvokeConfig.DestinationConfig.OnFailure"

fix_tf := "add a dead_letter_config block, or an aws_lambda_function_event_invoke_config with destination_config { on_failure {} }"

sam_async_events := {"SNS", "S3", "EventBridgeRule", "CloudWatchEvent", "Schedule", "ScheduleV2"}

# Per source kind (CloudFormation / Terraform), where a reference to the function means
# "invokes it asynchronously", and a label for messages.
cfn_sources := [
	{"kind": "aws_cloudwatch_event_rule", "prefix": ["properties", "Targets"], "tail": "Arn", "what": "event rule"},
	{"kind": "aws_sns_topic_subscription", "prefix": ["properties", "Endpoint"], "tail": null, "what": "SNS subscription"},
	{"kind": "aws_sns_topic", "prefix": ["properties", "Subscription"], "tail": "Endpoint", "what": "SNS topic"},
	{"kind": "aws_s3_bucket", "prefix": ["properties", "NotificationConfiguration", "LambdaConfigurations"], "tail": "Function", "what": "S3 notification"},
]

tf_sources := [
	{"kind": "aws_cloudwatch_event_target", "prefix": ["properties", "arn"], "tail": null, "what": "event target"},
	{"kind": "aws_sns_topic_subscription", "prefix": ["properties", "endpoint"], "tail": null, "what": "SNS subscription"},
	{"kind": "aws_s3_bucket_notification", "prefix": ["properties", "lambda_function"], "tail": "lambda_function_arn", "what": "S3 notification"},
]

sources := cfn_sources if lib.is_cloudformation

sources := tf_sources if lib.is_terraform

function_addrs := {a | some a in object.get(input.by_kind, "aws_lambda_function", [])}

# Edge e (from a source resource) is at the place that names the invoked function.
at_target(e, src) if {
	src.tail == null
	lib.has_prefix(e.path, src.prefix)
}

at_target(e, src) if {
	src.tail != null
	n := count(src.prefix)
	count(e.path) > n + 1
	lib.has_prefix(e.path, src.prefix)
	e.path[n + 1] == src.tail
}

# invokers[function address] = set of "what source" labels, built once.
invokers[fn] contains label if {
	some src in sources
	some s in lib.resources_of([src.kind], [])
	some e in object.get(graph.edges_from, s.address, set())
	not e.via in {"DependsOn", "depends_on"}
	fn := e.to
	fn in function_addrs
	at_target(e, src)
	label := sprintf("%s %s", [src.what, s.address])
}

invokers[fn] contains label if {
	lib.is_cloudformation
	some r in lib.resources("aws_lambda_function")
	r.type == "AWS::Serverless::Function"
	events := lib.get(r, ["properties", "Events"])
	is_object(events)
	some name, ev in events
	is_object(ev)
	ev.Type in sam_async_events
	fn := r.address
	label := sprintf("its %s event %s", [ev.Type, name])
}

# Event invoke configurations and the functions they cover (by reference).
invoke_configs := lib.resources("aws_lambda_function_event_invoke_config")

config_fn_prop := "FunctionName" if lib.is_cloudformation

config_fn_prop := "function_name" if lib.is_terraform

covered_by_config[fn] contains c.address if {
	some c in invoke_configs
	some e in object.get(graph.edges_from, c.address, set())
	not e.via in {"DependsOn", "depends_on"}
	lib.has_prefix(e.path, ["properties", config_fn_prop])
	fn := e.to
}

# A configuration whose function cannot be known and references no function.
blind_config if {
	some c in invoke_configs
	lib.is_unknown(lib.get(c, ["properties", config_fn_prop]))
	count([e |
		some e in object.get(graph.edges_from, c.address, set())
		lib.has_prefix(e.path, ["properties", config_fn_prop])
	]) == 0
}

# The configuration keeps failed events, or might (unknown).
config_keeps(c) if {
	lib.is_cloudformation
	on_failure_ok(lib.get(c, ["properties", "DestinationConfig", "OnFailure"]))
}

config_keeps(c) if {
	lib.is_terraform
	dc := lib.get(c, ["properties", "destination_config"])
	lib.is_unknown(dc)
}

config_keeps(c) if {
	lib.is_terraform
	on_failure_ok(lib.get(c, ["properties", "destination_config", 0, "on_failure"]))
}

on_failure_ok(v) if lib.is_unknown(v)

on_failure_ok(v) if not lib.is_empty(v)

keeps_by_config(fn) if {
	some a in object.get(covered_by_config, fn.address, set())
	config_keeps(input.resources[a])
}

# The function's own dead-letter configuration (or a SAM destination).
dlq_path(fn) := ["properties", "DeadLetterQueue"] if {
	lib.is_cloudformation
	fn.type == "AWS::Serverless::Function"
} else := ["properties", "DeadLetterConfig"] if {
	lib.is_cloudformation
} else := ["properties", "dead_letter_config"]

keeps_itself(fn) if {
	lib.is_cloudformation
	fn.type != "AWS::Serverless::Function"
	v := lib.get(fn, ["properties", "DeadLetterConfig", "TargetArn"])
	not lib.is_empty(v)
}

keeps_itself(fn) if {
	lib.is_cloudformation
	fn.type == "AWS::Serverless::Function"
	v := lib.get(fn, ["properties", "DeadLetterQueue"])
	not lib.is_empty(v)
}

keeps_itself(fn) if {
	lib.is_cloudformation
	fn.type == "AWS::Serverless::Function"
	on_failure_ok(lib.get(fn, ["properties", "EventInvokeConfig", "DestinationConfig", "OnFailure"]))
}

keeps_itself(fn) if {
	lib.is_terraform
	lib.is_unknown(lib.get(fn, ["properties", "dead_letter_config"]))
}

keeps_itself(fn) if {
	lib.is_terraform
	v := lib.get(fn, ["properties", "dead_letter_config", 0, "target_arn"])
	not lib.is_empty(v)
}

keeps_failed(fn) if keeps_itself(fn)

keeps_failed(fn) if keeps_by_config(fn)

findings contains f if {
	lib.is_cloudformation
	some f in async_findings
}

findings contains f if {
	lib.is_terraform
	some f in async_findings
}

async_findings contains f if {
	not blind_config
	some fn in lib.resources("aws_lambda_function")
	labels := object.get(invokers, fn.address, set())
	count(labels) > 0
	not keeps_failed(fn)
	msg := sprintf("function %s is invoked asynchronously (by %s) but has no dead-letter queue and no on-failure destination, so events that fail all retries are discarded", [fn.address, concat(", ", sort(labels))])
	f := object.union(lib.finding(fn, dlq_path(fn), msg), {"fix": fix_for(fn)})
}

fix_for(fn) := fix_tf if lib.is_terraform

fix_for(fn) := fix_sam if {
	lib.is_cloudformation
	fn.type == "AWS::Serverless::Function"
}

fix_for(fn) := fix_lambda if {
	lib.is_cloudformation
	fn.type != "AWS::Serverless::Function"
}
