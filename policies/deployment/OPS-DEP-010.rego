# OPS-DEP-010: SAM functions deploy gradually.
#
# AWS::Serverless::Function with an AutoPublishAlias (SAM publishes a version and moves
# the alias on every deployment) must have a DeploymentPreference (Globals.Function is
# already merged into the function by opsgate) that:
#   - is not disabled (`Enabled`, default true; false is reported at the value);
#   - shifts traffic gradually: a `Type` naming AllAtOnce (`AllAtOnce`,
#     `CodeDeployDefault.LambdaAllAtOnce`) is reported at the value; the predefined
#     Canary*/Linear* types and custom CodeDeploy deployment configuration names pass
#     (SAM accepts the name of a custom configuration, and opsgate cannot see its
#     settings);
#   - watches CloudWatch alarms: `Alarms` absent or empty is reported at Alarms (or at
#     DeploymentPreference when that is where the source stops). Not reported for an
#     AllAtOnce type, which already has its own finding.
# A function without DeploymentPreference is reported at its name. Functions without
# AutoPublishAlias are out of scope (SAM rejects a DeploymentPreference without one).
#
# CloudFormation only: gradual Lambda deployment through DeploymentPreference is a SAM
# feature. Plain AWS::Lambda::Function/Alias and Terraform have no equivalent property:
# the CodeDeploy side (deployment groups with alarms and rollback) is covered by
# OPS-DEP-008 and OPS-DEP-009.
#
# Unknown never fails: an unknown DeploymentPreference, Enabled, Type or Alarms
# (Fn::If, a parameter without default) stays silent.
package opsgate.rules.dep_010

import data.opsgate.lib

metadata := {
	"id": "OPS-DEP-010",
	"title": "SAM functions deploy gradually",
	"severity": "low",
	"area": "Prepare",
	"section": "Mitigate Deployment Risks",
	"best_practice": "Test using limited deployments",
	"description": concat(" ", [
		"A SAM function with AutoPublishAlias moves all of its traffic to the new version",
		"at once unless it has a DeploymentPreference. With a Canary or Linear deployment",
		"preference CodeDeploy sends a small share of the traffic to the new version",
		"first and, when one of the preference's CloudWatch alarms fires, moves the alias",
		"back: a bad release reaches a few requests and rolls back by itself.",
	]),
	"remediation": {
		"cloudformation": "Add `DeploymentPreference: {Type: Canary10Percent5Minutes, Alarms: [!Ref ErrorsAlarm]}` (or a Linear type) to the AWS::Serverless::Function (or to Globals.Function), next to its AutoPublishAlias, with alarms on the function's errors and latency.",
		"terraform": "Not applicable: DeploymentPreference is an AWS SAM feature. In Terraform use an aws_codedeploy_deployment_group with a Canary or Linear deployment config and alarm_configuration (OPS-DEP-008, OPS-DEP-009).",
	},
	"config_rule": null,
	"kinds": ["aws_lambda_function"],
	"formats": ["cloudformation"],
}

pref_path := ["properties", "DeploymentPreference"]

# SAM functions that publish an alias; an unknown alias is still an alias.
aliased := [fn |
	lib.is_cloudformation
	some fn in lib.resources("aws_lambda_function")
	fn.type == "AWS::Serverless::Function"
	alias := object.get(fn, ["properties", "AutoPublishAlias"], null)
	alias != null
	alias != ""
]

findings contains f if {
	some fn in aliased
	lib.get(fn, pref_path) == null
	f := object.union(
		lib.finding(fn, pref_path, sprintf(
			"SAM function %s publishes alias %s without a DeploymentPreference: every deployment moves all traffic to the new version at once",
			[fn.address, alias_text(fn)],
		)),
		{"fix": sprintf("Add DeploymentPreference with Type Canary10Percent5Minutes (or a Linear type) and Alarms to %s.", [fn.address])},
	)
}

# The preference is explicitly disabled.
findings contains f if {
	some fn in aliased
	path := array.concat(pref_path, ["Enabled"])
	lib.is_false(lib.get(fn, path))
	f := object.union(
		lib.finding(fn, path, sprintf(
			"SAM function %s has its DeploymentPreference disabled (Enabled: false): deployments move all traffic at once",
			[fn.address],
		)),
		{"fix": sprintf("Remove `Enabled: false` from the DeploymentPreference of %s.", [fn.address])},
	)
}

enabled(fn) if not lib.is_false(lib.get(fn, array.concat(pref_path, ["Enabled"])))

all_at_once(fn) if {
	t := lib.get(fn, array.concat(pref_path, ["Type"]))
	is_string(t)
	contains(lower(t), "allatonce")
}

findings contains f if {
	some fn in aliased
	enabled(fn)
	all_at_once(fn)
	path := array.concat(pref_path, ["Type"])
	f := object.union(
		lib.finding(fn, path, sprintf(
			"SAM function %s deploys with DeploymentPreference Type %s: all traffic moves to the new version at once",
			[fn.address, lib.get(fn, path)],
		)),
		{"fix": sprintf("Use a Canary or Linear Type (Canary10Percent5Minutes, Linear10PercentEvery1Minute, ...) on %s.", [fn.address])},
	)
}

findings contains f if {
	some fn in aliased
	pref := lib.get(fn, pref_path)
	is_object(pref)
	not lib.is_unknown(pref)
	enabled(fn)
	not all_at_once(fn)
	path := array.concat(pref_path, ["Alarms"])
	lib.is_empty(lib.get(fn, path))
	f := object.union(
		lib.finding(fn, path, sprintf(
			"SAM function %s has a DeploymentPreference without Alarms: a failing new version is not rolled back during the traffic shift",
			[fn.address],
		)),
		{"fix": sprintf("Add Alarms (the function's Errors and latency alarms) to the DeploymentPreference of %s.", [fn.address])},
	)
}

alias_text(fn) := sprintf("%q", [fn.properties.AutoPublishAlias]) if is_string(fn.properties.AutoPublishAlias)

else := "(from an unresolved value)"
