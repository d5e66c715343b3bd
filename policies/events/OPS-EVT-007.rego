# OPS-EVT-007: SQS queues have a dead-letter queue.
#
# CloudFormation: AWS::SQS::Queue `RedrivePolicy` with a `deadLetterTargetArn` (the
# property is JSON: an object in the template, or a JSON string, which is decoded).
# Terraform: aws_sqs_queue `redrive_policy` (a JSON string, usually `jsonencode({...})`,
# decoded; opsgate keeps the structure with unknown parts) or an
# aws_sqs_queue_redrive_policy whose `queue_url` refers to the queue.
#
# FIFO and standard queues alike need one (a FIFO queue's dead-letter queue must itself
# be FIFO, a standard queue's standard — AWS rejects a mismatch, so it is not checked
# here). Queues that are themselves dead-letter queues are exempt:
#  - the target of another queue's redrive policy, by reference (an edge at the redrive
#    policy) or by literal ARN (`arn:aws:sqs:<region>:<account>:<name>` matching the
#    queue's name);
#  - the dead-letter target of something else: a Lambda function's DeadLetterConfig /
#    dead_letter_config, a SAM DeadLetterQueue, an SNS subscription's RedrivePolicy /
#    redrive_policy, an EventBridge target's DeadLetterConfig / dead_letter_config, an
#    OnFailure / on_failure destination (any reference whose path passes through one of
#    those names);
#  - a queue with a redrive allow policy (RedriveAllowPolicy / redrive_allow_policy)
#    whose redrivePermission is allowAll or byQueue: it declares itself a DLQ.
#
# Unknown values never fail: an unknown RedrivePolicy, an unknown deadLetterTargetArn
# inside a known policy, an unknown redrive_policy resource target or queue_url that
# leads to no queue resource (it might be this queue).
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent. `redrive_policy = ""` is planned
# as known after apply (the provider computes the attribute when it is empty) and so
# stays silent in a plan. Joins follow the edges from the configuration's references, as
# in Terraform configuration.
package opsgate.rules.evt_007

import data.opsgate.graph
import data.opsgate.lib

metadata := {
	"id": "OPS-EVT-007",
	"title": "Queues have a dead-letter queue",
	"severity": "medium",
	"area": "Operate",
	"section": "Responding to Events",
	"best_practice": "Automate responses to events",
	"description": concat(" ", [
		"A message that its consumer cannot process returns to an SQS queue again and again",
		"until it expires: it wastes consumer capacity, can block a FIFO message group, and",
		"finally disappears without a trace. A redrive policy moves it to a dead-letter",
		"queue after maxReceiveCount attempts, where it can be alarmed on, inspected and",
		"redriven. Queues that are themselves dead-letter queues are exempt.",
	]),
	"remediation": {
		"cloudformation": concat(" ", [
			"Create a dead-letter queue (FIFO for a FIFO queue) and set",
			"`RedrivePolicy: {deadLetterTargetArn: !GetAtt OrdersDlq.Arn, maxReceiveCount: 5}`",
			"on the AWS::SQS::Queue.",
		]),
		"terraform": concat(" ", [
			"Create a dead-letter aws_sqs_queue and set `redrive_policy = jsonencode({",
			"deadLetterTargetArn = aws_sqs_queue.orders_dlq.arn, maxReceiveCount = 5 })` on",
			"the aws_sqs_queue (or add an aws_sqs_queue_redrive_policy for it).",
		]),
	},
	"config_rule": null,
	"kinds": ["aws_sqs_queue", "aws_sqs_queue_redrive_policy"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

names := {
	"redrive": "RedrivePolicy", "allow": "RedriveAllowPolicy", "name": "QueueName",
} if lib.is_cloudformation

names := {
	"redrive": "redrive_policy", "allow": "redrive_allow_policy", "name": "name",
} if lib.is_terraform

queues := [q |
	lib.is_cloudformation
	some q in lib.resources_of(["aws_sqs_queue"], ["AWS::SQS::Queue"])
] if lib.is_cloudformation

queues := lib.resources("aws_sqs_queue") if lib.is_terraform

# A JSON property as a value: objects stay, strings are decoded, the rest is undefined.
policy_value(v) := v if is_object(v)

policy_value(v) := json.unmarshal(v) if {
	is_string(v)
	json.is_valid(v)
}

# Path segments under which a reference names a dead-letter destination.
dlq_segments := {
	"RedrivePolicy", "redrive_policy", "deadLetterTargetArn",
	"DeadLetterConfig", "dead_letter_config", "DeadLetterQueue",
	"OnFailure", "on_failure",
}

# Queues referenced as a dead-letter destination by anything.
dlq contains e.to if {
	some e in input.edges
	not e.via in {"DependsOn", "depends_on"}
	some seg in e.path
	seg in dlq_segments
}

# Queues named by literal ARN as another queue's dead-letter target.
dlq contains q.address if {
	some q in queues
	name := lib.get(q, ["properties", names.name])
	is_string(name)
	name in literal_dlq_names
}

literal_dlq_names contains name if {
	some r in redrive_sources
	p := policy_value(lib.get(r, ["properties", names.redrive]))
	arn := object.get(p, "deadLetterTargetArn", null)
	is_string(arn)
	parts := split(arn, ":")
	count(parts) == 6
	parts[2] == "sqs"
	name := parts[5]
}

redrive_sources := array.concat(queues, redrive_policy_resources)

redrive_policy_resources := lib.resources("aws_sqs_queue_redrive_policy") if lib.is_terraform

redrive_policy_resources := [] if lib.is_cloudformation

# Queues that allow other queues to redrive into them.
dlq contains q.address if {
	some q in queues
	p := policy_value(lib.get(q, ["properties", names.allow]))
	perm := object.get(p, "redrivePermission", null)
	is_string(perm)
	lower(perm) in {"allowall", "byqueue"}
}

# Terraform: queues that an aws_sqs_queue_redrive_policy gives a redrive policy.
has_policy_resource contains e.to if {
	some r in redrive_policy_resources
	some e in object.get(graph.edges_from, r.address, set())
	lib.paths_overlap(e.path, ["properties", "queue_url"])
}

# An aws_sqs_queue_redrive_policy whose queue cannot be told: it may be any queue's.
unresolved_policy_resource if {
	some r in redrive_policy_resources
	lib.is_unknown(lib.get(r, ["properties", "queue_url"]))
	not queue_url_edge(r)
}

queue_url_edge(r) if {
	some e in object.get(graph.edges_from, r.address, set())
	lib.paths_overlap(e.path, ["properties", "queue_url"])
}

candidates := [q |
	some q in queues
	not q.address in dlq
	not q.address in has_policy_resource
	not unresolved_policy_resource
]

findings contains f if {
	some q in candidates
	v := lib.get(q, ["properties", names.redrive])
	lib.is_empty(v)
	f := object.union(
		lib.finding(q, ["properties", names.redrive], sprintf(
			"queue %s has %s: messages its consumers cannot process are retried until they expire, then lost",
			[q.address, empty_text(v)],
		)),
		{"fix": fix(q)},
	)
}

# A known policy without a dead-letter target (or with an empty one).
findings contains f if {
	some q in candidates
	v := lib.get(q, ["properties", names.redrive])
	not lib.is_unknown(v)
	not lib.is_empty(v)
	p := policy_value(v)
	target := object.get(p, "deadLetterTargetArn", null)
	not lib.is_unknown(target)
	lib.is_empty(target)
	f := object.union(
		lib.finding(q, target_path(v), sprintf(
			"queue %s has a %s without deadLetterTargetArn: failed messages have nowhere to go",
			[q.address, names.redrive],
		)),
		{"fix": fix(q)},
	)
}

empty_text(null) := sprintf("no %s", [names.redrive])

empty_text(v) := sprintf("an empty %s", [names.redrive]) if v != null

# Point at deadLetterTargetArn inside an object policy; a string points at the property.
target_path(v) := ["properties", names.redrive, "deadLetterTargetArn"] if is_object(v)

target_path(v) := ["properties", names.redrive] if not is_object(v)

fix(q) := sprintf(
	"Add `RedrivePolicy: {deadLetterTargetArn: !GetAtt <Dlq>.Arn, maxReceiveCount: 5}` to %s.",
	[q.address],
) if lib.is_cloudformation

fix(q) := sprintf(
	"Set `redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.<dlq>.arn, maxReceiveCount = 5 })` on %s.",
	[q.address],
) if lib.is_terraform
