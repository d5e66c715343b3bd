# OPS-EVT-005: EventBridge rules are enabled and deliver events to a target.
#
# CloudFormation: AWS::Events::Rule must have a non-empty `Targets` list and a `State`
# that is not DISABLED. `State` defaults to ENABLED; ENABLED and
# ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS (which also matches CloudTrail
# management events) both count as enabled. The state is compared case-insensitively.
#
# Terraform (*join*): an aws_cloudwatch_event_rule needs an aws_cloudwatch_event_target
# whose `rule` refers to it, by reference (an edge from the target's `rule`, also through
# module inputs and outputs) or by the rule's literal `name`. It must not be disabled:
# `state = "DISABLED"`, or the deprecated `is_enabled = false` (the provider defaults to
# ENABLED / true).
#
# Unknown values never fail: an unknown State/state/is_enabled or Targets list is
# silent, and while any event target in the unit names its rule through a value that is
# unknown and leads to no rule resource (a variable without a value, a data source),
# no Terraform rule is reported as target-less — that target might be its. Likewise a
# rule whose name is unknown is not reported while a target names, literally, a rule
# that is not in the unit.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent. Joins follow the edges from the
# configuration's references, as in Terraform configuration.
package opsgate.rules.evt_005

import data.opsgate.graph
import data.opsgate.lib

metadata := {
	"id": "OPS-EVT-005",
	"title": "Event rules are enabled and have targets",
	"severity": "low",
	"area": "Operate",
	"section": "Responding to Events",
	"best_practice": "Automate responses to events",
	"description": concat(" ", [
		"An EventBridge rule is how an event (a schedule, a state change, an API call)",
		"starts an automated response. A disabled rule, or one without targets, matches",
		"events and does nothing: the response that the code appears to set up never",
		"runs. Give every rule at least one target and leave it enabled; remove rules",
		"that are no longer needed instead of disabling them in the template.",
	]),
	"remediation": {
		"cloudformation": concat(" ", [
			"Add at least one entry to the AWS::Events::Rule's Targets (Arn and Id) and set",
			"`State: ENABLED` (or remove State: it defaults to ENABLED).",
		]),
		"terraform": concat(" ", [
			"Add an aws_cloudwatch_event_target with `rule = aws_cloudwatch_event_rule.<name>.name`",
			"and remove `state = \"DISABLED\"` / `is_enabled = false` from the",
			"aws_cloudwatch_event_rule.",
		]),
	},
	"config_rule": null,
	"kinds": ["aws_cloudwatch_event_rule", "aws_cloudwatch_event_target"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

disabled_state(v) if {
	is_string(v)
	upper(v) == "DISABLED"
}

# --- CloudFormation ---------------------------------------------------------------

cfn_rules := [r |
	lib.is_cloudformation
	some r in lib.resources_of(["aws_cloudwatch_event_rule"], ["AWS::Events::Rule"])
]

findings contains f if {
	some r in cfn_rules
	disabled_state(lib.get(r, ["properties", "State"]))
	f := object.union(
		lib.finding(r, ["properties", "State"], sprintf(
			"event rule %s is DISABLED: it matches no events and its targets never run",
			[r.address],
		)),
		{"fix": sprintf("Set `State: ENABLED` on %s, or remove the rule if it is no longer needed.", [r.address])},
	)
}

findings contains f if {
	some r in cfn_rules
	targets := lib.get(r, ["properties", "Targets"])
	lib.is_empty(targets)
	f := object.union(
		lib.finding(r, ["properties", "Targets"], sprintf(
			"event rule %s has %s: the events it matches go nowhere",
			[r.address, cfn_no_targets_text(targets)],
		)),
		{"fix": sprintf("Add a target (Arn and Id) to Targets of %s.", [r.address])},
	)
}

cfn_no_targets_text(null) := "no Targets"

cfn_no_targets_text(v) := "an empty Targets list" if v != null

# --- Terraform --------------------------------------------------------------------

tf_rules := [r |
	lib.is_terraform
	some r in lib.resources("aws_cloudwatch_event_rule")
]

tf_targets := [t |
	lib.is_terraform
	some t in lib.resources("aws_cloudwatch_event_target")
]

findings contains f if {
	some r in tf_rules
	disabled_state(lib.get(r, ["properties", "state"]))
	f := object.union(
		lib.finding(r, ["properties", "state"], sprintf(
			"event rule %s has state = \"DISABLED\": it matches no events and its targets never run",
			[r.address],
		)),
		{"fix": sprintf("Remove `state = \"DISABLED\"` from %s (it defaults to ENABLED), or remove the rule.", [r.address])},
	)
}

findings contains f if {
	some r in tf_rules
	not disabled_state(lib.get(r, ["properties", "state"]))
	lib.is_false(lib.get(r, ["properties", "is_enabled"]))
	f := object.union(
		lib.finding(r, ["properties", "is_enabled"], sprintf(
			"event rule %s has is_enabled = false: it matches no events and its targets never run",
			[r.address],
		)),
		{"fix": sprintf("Remove `is_enabled = false` from %s (or use `state = \"ENABLED\"`), or remove the rule.", [r.address])},
	)
}

# Rules a target points at through a reference in its `rule` argument.
targeted contains e.to if {
	some t in tf_targets
	some e in object.get(graph.edges_from, t.address, set())
	not e.via in {"DependsOn", "depends_on"}
	lib.paths_overlap(e.path, ["properties", "rule"])
}

# Rules a target names literally.
targeted contains r.address if {
	some r in tf_rules
	name := lib.get(r, ["properties", "name"])
	is_string(name)
	some t in tf_targets
	lib.get(t, ["properties", "rule"]) == name
}

# A target whose rule cannot be known and that refers to no rule resource: it may
# belong to any rule of the unit.
unresolved_target if {
	some t in tf_targets
	lib.is_unknown(lib.get(t, ["properties", "rule"]))
	not targets_a_rule(t)
}

# A rule whose name is unknown may be the one a target names literally when that literal
# name belongs to no known rule.
maybe_named_by_literal(r) if {
	lib.is_unknown(lib.get(r, ["properties", "name"]))
	some t in tf_targets
	name := lib.get(t, ["properties", "rule"])
	is_string(name)
	not name in known_rule_names
}

known_rule_names contains name if {
	some r in tf_rules
	name := lib.get(r, ["properties", "name"])
	is_string(name)
}

targets_a_rule(t) if {
	some e in object.get(graph.edges_from, t.address, set())
	lib.paths_overlap(e.path, ["properties", "rule"])
	input.resources[e.to].type == "aws_cloudwatch_event_rule"
}

findings contains f if {
	some r in tf_rules
	not r.address in targeted
	not unresolved_target
	not maybe_named_by_literal(r)
	f := object.union(
		lib.finding(r, ["properties"], sprintf(
			"event rule %s has no aws_cloudwatch_event_target: the events it matches go nowhere",
			[r.address],
		)),
		{"fix": sprintf(
			"Add `resource \"aws_cloudwatch_event_target\" \"...\" { rule = %s.name, arn = ... }`.",
			[lib.local_address(r)],
		)},
	)
}
