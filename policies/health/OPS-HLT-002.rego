# OPS-HLT-002: each dead-letter queue has an alarm.
#
# A dead-letter queue is an SQS queue named as another queue's redrive target:
#  - CloudFormation: AWS::SQS::Queue `RedrivePolicy.deadLetterTargetArn` (an object or a
#    JSON string), by reference (`!GetAtt Dlq.Arn`, an edge at or below RedrivePolicy)
#    or by literal ARN `arn:aws:sqs:<region>:<account>:<QueueName>`;
#  - Terraform: aws_sqs_queue `redrive_policy` (a JSON string, usually jsonencode'd; the
#    reference is an edge at ["properties", "redrive_policy"]) or
#    aws_sqs_queue_redrive_policy `redrive_policy`, by reference or by literal ARN
#    matching the queue's `name`.
# Dead-letter destinations of Lambda functions, SNS subscriptions or EventBridge targets
# are out of scope (the catalogue names redrive targets only).
#
# It needs a metric alarm (AWS::CloudWatch::Alarm / aws_cloudwatch_metric_alarm) with a
# `QueueName` dimension that names it: a reference at the dimension's value (CloudFormation
# `Dimensions[*]` {Name: QueueName, Value}; Terraform `dimensions = { QueueName = ... }`;
# also the dimensions of metric-math queries, `Metrics[*].MetricStat.Metric.Dimensions` /
# `metric_query { metric { dimensions } }`), or the queue's literal name as the value.
# Other dimensions (QueueUrl, ...) do not count: CloudWatch publishes SQS metrics under
# QueueName only.
#
# Unknown values never fail: a redrive target that is unknown and refers to no queue is
# not treated as naming a DLQ; an alarm QueueName dimension whose value (or whose whole
# dimension set) is unknown and refers to no resource (a parameter, an import, a
# pseudo parameter) could name any queue, so the rule stays silent for the unit; the
# same unknown source text for the queue name and a dimension value counts as a match.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent. Joins follow the edges from the
# configuration's references, as in Terraform configuration. An alarm's dimensions map
# that holds a value known only after apply (the ARN or name of a resource the plan
# creates) is planned unknown as a whole, dimension names included: such an alarm may
# name whatever it references, and the rule stays silent for those resources.
package opsgate.rules.hlt_002

import data.opsgate.alarms
import data.opsgate.graph
import data.opsgate.lib

metadata := {
	"id": "OPS-HLT-002",
	"title": "Dead-letter queues have an alarm",
	"severity": "medium",
	"area": "Operate",
	"section": "Understanding Workload Health",
	"best_practice": "Alert when workload outcomes are at risk",
	"description": concat(" ", [
		"A message lands in a dead-letter queue when its consumer failed to process it",
		"maxReceiveCount times: every message there is a business outcome at risk (an order",
		"not shipped, a payment not booked). Without an alarm the queue fills silently until",
		"the messages expire. Alarm on ApproximateNumberOfMessagesVisible > 0 with the",
		"QueueName dimension of the dead-letter queue.",
	]),
	"remediation": {
		"cloudformation": concat(" ", [
			"Add an AWS::CloudWatch::Alarm on AWS/SQS ApproximateNumberOfMessagesVisible with",
			"`Dimensions: [{Name: QueueName, Value: !GetAtt OrdersDlq.QueueName}]`,",
			"`Threshold: 0`, `ComparisonOperator: GreaterThanThreshold` and AlarmActions.",
		]),
		"terraform": concat(" ", [
			"Add an aws_cloudwatch_metric_alarm on AWS/SQS ApproximateNumberOfMessagesVisible",
			"with `dimensions = { QueueName = aws_sqs_queue.orders_dlq.name }`, `threshold = 0`,",
			"`comparison_operator = \"GreaterThanThreshold\"` and alarm_actions.",
		]),
	},
	"config_rule": null,
	"kinds": ["aws_sqs_queue", "aws_sqs_queue_redrive_policy", "aws_cloudwatch_metric_alarm"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

names := {"redrive": "RedrivePolicy", "name": "QueueName"} if lib.is_cloudformation

names := {"redrive": "redrive_policy", "name": "name"} if lib.is_terraform

queues := lib.resources_of(["aws_sqs_queue"], ["AWS::SQS::Queue"])

queue_addrs := {q.address | some q in queues}

redrive_sources := array.concat(queues, lib.resources("aws_sqs_queue_redrive_policy"))

# A JSON property as a value: objects stay, strings are decoded, the rest is undefined.
policy_value(v) := v if is_object(v)

policy_value(v) := json.unmarshal(v) if {
	is_string(v)
	json.is_valid(v)
}

# ---- dead-letter queues ----------------------------------------------------------

# dlq[queue address] = the addresses that name it as their redrive target.
# By reference: an edge at or below the redrive policy to a queue.
dlq_of contains [e.to, r.address] if {
	some r in redrive_sources
	some e in object.get(graph.edges_from, r.address, set())
	not e.via in {"DependsOn", "depends_on"}
	lib.paths_overlap(e.path, ["properties", names.redrive])
	e.to in queue_addrs
	e.to != r.address
}

# By literal ARN matching a queue's literal name.
dlq_of contains [q, r.address] if {
	some r in redrive_sources
	p := policy_value(lib.get(r, ["properties", names.redrive]))
	arn := object.get(p, "deadLetterTargetArn", null)
	is_string(arn)
	parts := split(arn, ":")
	count(parts) == 6
	parts[2] == "sqs"
	some q in object.get(queues_by_name, parts[5], set())
}

queues_by_name[name] contains q.address if {
	some q in queues
	name := lib.get(q, ["properties", names.name])
	is_string(name)
}

dlqs := {q | some [q, _] in dlq_of}

# The queues and redrive policies that send to each dead-letter queue.
redrive_sources_of[q] contains r if some [q, r] in dlq_of

# ---- alarms and their QueueName dimensions ---------------------------------------

# The dimensions of the metric alarms (policies/lib/alarms.rego, built once per unit):
# a slot is {"alarm", "name", "path", "value"}, with `name` null where it cannot be
# known (an unknown Dimensions list or dimensions map, an unknown metric-math query
# list, an entry whose Name is unknown); `path` is where the value sits, and edges
# from the alarm at, below or above it are the references it makes.
queue_slots := object.get(alarms.slots_named, "QueueName", set())

# Queues an alarm's QueueName dimension refers to, or a dimension whose name cannot
# be known (it may be QueueName).
alarmed contains t if {
	some s in queue_slots
	some t in alarms.slot_targets(s)
}

alarmed contains t if {
	some s in alarms.slots_unnamed
	some t in alarms.slot_targets(s)
}

# Queues named literally (or by the same unknown source text) in a QueueName dimension.
alarmed contains q if {
	some s in queue_slots
	is_string(s.value)
	some q in object.get(queues_by_name, s.value, set())
}

alarmed contains q if {
	some s in queue_slots
	text := lib.unknown_text(s.value)
	some q in object.get(queues_by_name_text, text, set())
}

queues_by_name_text[text] contains q.address if {
	some q in queues
	text := lib.unknown_text(lib.get(q, ["properties", names.name]))
}

# A QueueName dimension that is unknown and refers to no resource: it may name any queue.
unresolved_dimension if {
	some s in queue_slots
	lib.is_unknown(s.value)
	count(alarms.slot_targets(s)) == 0
	not queues_by_name_text[lib.unknown_text(s.value)]
}

# A dimension of unknown name matters only on an alarm that may watch an SQS metric:
# its namespace is AWS/SQS, unknown, or not set at the top (metric-math alarms).
unresolved_dimension if {
	some s in alarms.slots_unnamed
	count(alarms.slot_targets(s)) == 0
	not other_namespace(input.resources[s.alarm])
}

other_namespace(a) if {
	ns := lib.get(a, ["properties", namespace_name])
	is_string(ns)
	ns != "AWS/SQS"
}

namespace_name := "Namespace" if lib.is_cloudformation

namespace_name := "namespace" if lib.is_terraform

# ---- findings --------------------------------------------------------------------

findings contains f if {
	not unresolved_dimension
	some addr in dlqs
	not addr in alarmed
	q := input.resources[addr]
	sources := sort(redrive_sources_of[addr])
	f := object.union(
		lib.finding(q, [], sprintf(
			"dead-letter queue %s (redrive target of %s) has no alarm with a QueueName dimension for it: messages that failed processing pile up unnoticed until they expire",
			[addr, concat(", ", sources)],
		)),
		{"fix": fix(q)},
	)
}

fix(q) := sprintf(
	"Add an AWS::CloudWatch::Alarm on AWS/SQS ApproximateNumberOfMessagesVisible with `Dimensions: [{Name: QueueName, Value: !GetAtt %s.QueueName}]`, `Threshold: 0`, `ComparisonOperator: GreaterThanThreshold`.",
	[q.address],
) if lib.is_cloudformation

fix(q) := sprintf(
	"Add an aws_cloudwatch_metric_alarm on AWS/SQS ApproximateNumberOfMessagesVisible with `dimensions = { QueueName = %s.name }`, `threshold = 0`, `comparison_operator = \"GreaterThanThreshold\"`.",
	[lib.local_address(q)],
) if lib.is_terraform
