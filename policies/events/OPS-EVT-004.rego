# OPS-EVT-004: an SNS topic that alarms notify has a subscriber.
#
# A topic of the unit is notified by alarms when a metric or composite alarm
# (AWS::CloudWatch::Alarm / CompositeAlarm, aws_cloudwatch_metric_alarm /
# aws_cloudwatch_composite_alarm) names it in AlarmActions, OKActions or
# InsufficientDataActions (alarm_actions, ok_actions, insufficient_data_actions): by
# reference (an edge at the action) or by literal ARN `arn:aws:sns:<region>:<account>:<name>`
# matching the topic's TopicName / name.
#
# Such a topic needs a subscriber:
#  - CloudFormation: the topic's `Subscription` list is non-empty, or an
#    AWS::SNS::Subscription's `TopicArn` refers to it (reference or literal ARN), or a SAM
#    function event of type SNS names it as its `Topic`;
#  - Terraform: an aws_sns_topic_subscription's `topic_arn` refers to it.
#
# Topics outside the unit (an ARN from a parameter, a variable, an import, a literal
# ARN of a topic the unit does not define) cannot be checked: they are unknown and never
# fail. Unknown values never fail: an unknown Subscription list; a subscription whose
# topic is unknown and refers to no resource (it may subscribe to any topic of the unit)
# keeps the rule silent for the unit.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent. Joins follow the edges from the
# configuration's references, as in Terraform configuration.
package opsgate.rules.evt_004

import data.opsgate.graph
import data.opsgate.lib

metadata := {
	"id": "OPS-EVT-004",
	"title": "Alarm topics have a subscriber",
	"severity": "medium",
	"area": "Operate",
	"section": "Responding to Events",
	"best_practice": "Enable push notifications",
	"description": concat(" ", [
		"An alarm that publishes to an SNS topic nobody subscribes to looks wired up but",
		"notifies no one: the message is accepted and dropped. Subscribe the on-call",
		"channel (email, an incident-management endpoint over HTTPS, a chat integration,",
		"a Lambda function) to every topic that alarms notify, in the same stack or module",
		"so that the subscription cannot be forgotten.",
	]),
	"remediation": {
		"cloudformation": concat(" ", [
			"Add an AWS::SNS::Subscription with `TopicArn: !Ref AlarmTopic` and the on-call",
			"endpoint (or a `Subscription` entry on the AWS::SNS::Topic).",
		]),
		"terraform": concat(" ", [
			"Add an aws_sns_topic_subscription with `topic_arn = aws_sns_topic.alarms.arn`,",
			"the protocol and the on-call endpoint.",
		]),
	},
	"config_rule": null,
	"kinds": [
		"aws_sns_topic", "aws_sns_topic_subscription", "aws_cloudwatch_metric_alarm",
		"aws_cloudwatch_composite_alarm", "aws_lambda_function",
	],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

names := {
	"actions": ["AlarmActions", "OKActions", "InsufficientDataActions"],
	"topic_name": "TopicName", "topic_arn": "TopicArn",
} if lib.is_cloudformation

names := {
	"actions": ["alarm_actions", "ok_actions", "insufficient_data_actions"],
	"topic_name": "name", "topic_arn": "topic_arn",
} if lib.is_terraform

topics := lib.resources("aws_sns_topic")

topic_addrs := {t.address | some t in topics}

topics_by_name[name] contains t.address if {
	some t in topics
	name := lib.get(t, ["properties", names.topic_name])
	is_string(name)
}

# The topic a literal SNS ARN names, when the unit defines it.
topic_of_arn(arn) := object.get(topics_by_name, parts[5], set()) if {
	is_string(arn)
	parts := split(arn, ":")
	count(parts) == 6
	parts[2] == "sns"
}

alarms := lib.resources_of(["aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm"], [])

# ---- topics that alarms notify: notified[topic] = alarm addresses ---------------

notified[e.to] contains a.address if {
	some a in alarms
	some e in object.get(graph.edges_from, a.address, set())
	e.to in topic_addrs
	not e.via in {"DependsOn", "depends_on"}
	some prop in names.actions
	lib.paths_overlap(e.path, ["properties", prop])
}

notified[t] contains a.address if {
	some a in alarms
	some prop in names.actions
	actions := lib.get(a, ["properties", prop])
	is_array(actions)
	some arn in actions
	some t in topic_of_arn(arn)
}

# ---- subscribers -----------------------------------------------------------------

subscriptions := lib.resources("aws_sns_topic_subscription")

# By reference at the subscription's topic.
subscribed contains e.to if {
	some s in subscriptions
	some e in object.get(graph.edges_from, s.address, set())
	not e.via in {"DependsOn", "depends_on"}
	lib.paths_overlap(e.path, ["properties", names.topic_arn])
}

# By literal ARN.
subscribed contains t if {
	some s in subscriptions
	some t in topic_of_arn(lib.get(s, ["properties", names.topic_arn]))
}

# CloudFormation: the topic's own Subscription list (unknown counts as subscribed).
subscribed contains t.address if {
	lib.is_cloudformation
	some t in topics
	v := lib.get(t, ["properties", "Subscription"])
	not lib.is_empty(v)
}

# SAM: a function event of type SNS whose Topic refers to the topic.
subscribed contains e.to if {
	lib.is_cloudformation
	some fn in lib.resources("aws_lambda_function")
	fn.type == "AWS::Serverless::Function"
	some e in object.get(graph.edges_from, fn.address, set())
	count(e.path) >= 5
	array.slice(e.path, 0, 2) == ["properties", "Events"]
	e.path[3] == "Properties"
	e.path[4] == "Topic"
	object.get(fn, ["properties", "Events", e.path[2], "Type"], null) == "SNS"
}

subscribed contains t if {
	lib.is_cloudformation
	some fn in lib.resources("aws_lambda_function")
	fn.type == "AWS::Serverless::Function"
	events := lib.get(fn, ["properties", "Events"])
	is_object(events)
	some ev in events
	object.get(ev, "Type", null) == "SNS"
	some t in topic_of_arn(object.get(ev, ["Properties", "Topic"], null))
}

# A subscription whose topic is unknown and refers to no resource: it may be any topic's.
unresolved_subscription if {
	some s in subscriptions
	lib.is_unknown(lib.get(s, ["properties", names.topic_arn]))
	not topic_edge(s)
}

# SAM events can be unknown as a whole (Fn::If, ...): they may subscribe to anything.
unresolved_subscription if {
	lib.is_cloudformation
	some fn in lib.resources("aws_lambda_function")
	fn.type == "AWS::Serverless::Function"
	lib.is_unknown(lib.get(fn, ["properties", "Events"]))
}

topic_edge(s) if {
	some e in object.get(graph.edges_from, s.address, set())
	not e.via in {"DependsOn", "depends_on"}
	lib.paths_overlap(e.path, ["properties", names.topic_arn])
}

# ---- findings --------------------------------------------------------------------

findings contains f if {
	not unresolved_subscription
	some addr, by in notified
	not addr in subscribed
	t := input.resources[addr]
	f := object.union(
		lib.finding(t, path, sprintf(
			"SNS topic %s is notified by %s %s but has no subscriber: the alarm notifications reach nobody",
			[addr, alarm_word(by), concat(", ", sort(by))],
		)),
		{"fix": fix(t)},
	)
}

# CloudFormation: at an empty Subscription list when there is one, else at the topic.
path := ["properties", "Subscription"] if lib.is_cloudformation

path := [] if lib.is_terraform

alarm_word(by) := "alarm" if count(by) == 1

alarm_word(by) := "alarms" if count(by) > 1

fix(t) := sprintf(
	"Add an AWS::SNS::Subscription with `TopicArn: !Ref %s`, the protocol and the on-call endpoint.",
	[t.address],
) if lib.is_cloudformation

fix(t) := sprintf(
	"Add an aws_sns_topic_subscription with `topic_arn = %s.arn`, the protocol and the on-call endpoint.",
	[lib.local_address(t)],
) if lib.is_terraform
