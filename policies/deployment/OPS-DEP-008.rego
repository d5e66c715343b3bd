# OPS-DEP-008: CodeDeploy deployment groups roll back failed deployments automatically.
#
# CloudFormation (AWS::CodeDeploy::DeploymentGroup): AutoRollbackConfiguration must have
# Enabled true and DEPLOYMENT_FAILURE among its Events (valid values DEPLOYMENT_FAILURE,
# DEPLOYMENT_STOP_ON_ALARM, DEPLOYMENT_STOP_ON_REQUEST). Both properties are optional:
# without AutoRollbackConfiguration, or without Enabled, CodeDeploy does not roll back.
# Terraform (aws_codedeploy_deployment_group): `auto_rollback_configuration { enabled =
# true, events = ["DEPLOYMENT_FAILURE", ...] }` (block optional, `enabled` optional).
#
# Paths: a missing configuration is reported at the resource (header / name), a missing
# Enabled / events at the configuration, a false Enabled at its value, events without
# DEPLOYMENT_FAILURE at the events list.
#
# Unknown never fails: an unknown configuration, Enabled, events list or event (a
# parameter, Fn::If, a variable without value, a dynamic block) is silent.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent.
package opsgate.rules.dep_008

import data.opsgate.lib

metadata := {
	"id": "OPS-DEP-008",
	"title": "CodeDeploy rolls back failed deployments",
	"severity": "high",
	"area": "Prepare",
	"section": "Mitigate Deployment Risks",
	"best_practice": "Automate testing and rollback",
	"description": concat(" ", [
		"A CodeDeploy deployment that fails part-way leaves instances, tasks or function",
		"aliases on a mix of old and new revisions until someone redeploys by hand. With",
		"automatic rollback on DEPLOYMENT_FAILURE, CodeDeploy redeploys the last known good",
		"revision as soon as a deployment fails, so the unsuccessful change is undone",
		"without waiting for an operator.",
	]),
	"remediation": {
		"cloudformation": "Set `AutoRollbackConfiguration: {Enabled: true, Events: [DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM]}` on the AWS::CodeDeploy::DeploymentGroup.",
		"terraform": "Add `auto_rollback_configuration { enabled = true, events = [\"DEPLOYMENT_FAILURE\", \"DEPLOYMENT_STOP_ON_ALARM\"] }` to the aws_codedeploy_deployment_group.",
	},
	"config_rule": "codedeploy-deployment-group-auto-rollback-enabled",
	"kinds": ["aws_codedeploy_deployment_group"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

names := {"config": "AutoRollbackConfiguration", "enabled": "Enabled", "events": "Events"} if lib.is_cloudformation

names := {"config": "auto_rollback_configuration", "enabled": "enabled", "events": "events"} if lib.is_terraform

# The path of the rollback configuration object: the property itself in CloudFormation,
# the first (only) block in Terraform.
config_path := ["properties", names.config] if lib.is_cloudformation

config_path := ["properties", names.config, 0] if lib.is_terraform

# No rollback configuration at all.
findings contains f if {
	some g in lib.resources("aws_codedeploy_deployment_group")
	missing_config(g)
	f := lib.finding(g, ["properties", names.config], sprintf(
		"CodeDeploy deployment group %s has no %s, so a failed deployment is not rolled back",
		[g.address, names.config],
	))
}

# Rollback configured but not enabled.
findings contains f if {
	some g in lib.resources("aws_codedeploy_deployment_group")
	cfg := lib.get(g, config_path)
	is_object(cfg)
	v := lib.get(g, array.concat(config_path, [names.enabled]))
	not lib.is_unknown(v)
	not lib.is_true(v)
	path := enabled_path(v)
	f := lib.finding(g, path, sprintf(
		"CodeDeploy deployment group %s does not enable %s (%s is %v), so a failed deployment is not rolled back",
		[g.address, names.config, names.enabled, shown(v)],
	))
}

# Rollback enabled, but not on deployment failure.
findings contains f if {
	some g in lib.resources("aws_codedeploy_deployment_group")
	cfg := lib.get(g, config_path)
	is_object(cfg)
	lib.is_true(lib.get(g, array.concat(config_path, [names.enabled])))
	events_path := array.concat(config_path, [names.events])
	events := lib.get(g, events_path)
	not lib.is_unknown(events)
	not has_unknown_event(events)
	not "DEPLOYMENT_FAILURE" in known_events(events)
	path := events_finding_path(events, events_path)
	f := lib.finding(g, path, sprintf(
		"CodeDeploy deployment group %s enables automatic rollback but not on DEPLOYMENT_FAILURE (%s: %v)",
		[g.address, names.events, known_events(events)],
	))
}

missing_config(g) if lib.get(g, ["properties", names.config]) == null

missing_config(g) if {
	lib.is_terraform
	lib.get(g, ["properties", names.config]) == []
}

enabled_path(null) := config_path

enabled_path(v) := array.concat(config_path, [names.enabled]) if v != null

events_finding_path(null, _) := config_path

events_finding_path(e, p) := p if e != null

shown(null) := "not set"

shown(v) := v if v != null

known_events(null) := []

known_events(e) := [x | some x in e] if is_array(e)

known_events(e) := [x | some x in e] if is_set(e)

known_events(e) := [e] if is_string(e)

has_unknown_event(e) if {
	not is_string(e)
	e != null
	some x in e
	lib.is_unknown(x)
}
