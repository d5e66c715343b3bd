# OPS-DEP-009: CodeDeploy deployment groups stop on CloudWatch alarms and roll back when
# an alarm stops a deployment.
#
# CloudFormation (AWS::CodeDeploy::DeploymentGroup): AlarmConfiguration with Enabled true
# and at least one alarm in Alarms (a list of {Name}, at most 10), and
# AutoRollbackConfiguration with Enabled true and DEPLOYMENT_STOP_ON_ALARM among its
# Events. All of these are optional: without AlarmConfiguration (or with Enabled unset)
# CodeDeploy watches no alarms; without the rollback event a deployment an alarm stopped
# stays where it stopped.
# Terraform (aws_codedeploy_deployment_group): `alarm_configuration { enabled = true,
# alarms = [...] }` (alarms: alarm names) and `auto_rollback_configuration { enabled =
# true, events = [..., "DEPLOYMENT_STOP_ON_ALARM"] }`.
#
# One finding for the alarms (missing configuration at the resource, Enabled not true at
# its value or at the configuration, no alarms at Alarms or at the configuration); the
# rollback is checked only when the alarm configuration is not itself reported, and
# reported at the events list, the Enabled value, the rollback configuration, or the
# resource. A group without any rollback configuration is also reported by OPS-DEP-008
# (rollback on failure); the two facts are separate.
#
# Unknown never fails: an unknown configuration, Enabled, alarm list, events list or
# event (a parameter, Fn::If, a variable without value, a dynamic block) is silent.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent.
package opsgate.rules.dep_009

import data.opsgate.lib

metadata := {
	"id": "OPS-DEP-009",
	"title": "CodeDeploy stops on alarms",
	"severity": "medium",
	"area": "Prepare",
	"section": "Mitigate Deployment Risks",
	"best_practice": "Automate testing and rollback",
	"description": concat(" ", [
		"A deployment that succeeds technically can still break the workload: error rates or",
		"latency rise while every instance reports healthy. CodeDeploy can watch CloudWatch",
		"alarms during a deployment, stop it when one goes into ALARM, and roll back to the",
		"last good revision (DEPLOYMENT_STOP_ON_ALARM), so a bad change is undone on the",
		"workload's own health signals.",
	]),
	"remediation": {
		"cloudformation": "Set `AlarmConfiguration: {Enabled: true, Alarms: [{Name: <alarm>}]}` and add DEPLOYMENT_STOP_ON_ALARM to `AutoRollbackConfiguration.Events` (with `Enabled: true`) on the AWS::CodeDeploy::DeploymentGroup.",
		"terraform": "Add `alarm_configuration { enabled = true, alarms = [<alarm name>] }` and `auto_rollback_configuration { enabled = true, events = [\"DEPLOYMENT_FAILURE\", \"DEPLOYMENT_STOP_ON_ALARM\"] }` to the aws_codedeploy_deployment_group.",
	},
	"config_rule": "codedeploy-auto-rollback-monitor-enabled",
	"kinds": ["aws_codedeploy_deployment_group"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

names := {
	"alarm_config": "AlarmConfiguration",
	"alarms": "Alarms",
	"enabled": "Enabled",
	"rollback": "AutoRollbackConfiguration",
	"events": "Events",
} if lib.is_cloudformation

names := {
	"alarm_config": "alarm_configuration",
	"alarms": "alarms",
	"enabled": "enabled",
	"rollback": "auto_rollback_configuration",
	"events": "events",
} if lib.is_terraform

# The path of a configuration object: the property in CloudFormation, the first (only)
# block in Terraform.
block_path(name) := ["properties", name] if lib.is_cloudformation

block_path(name) := ["properties", name, 0] if lib.is_terraform

findings contains f if {
	some g in lib.resources("aws_codedeploy_deployment_group")
	some check in ["alarm_missing", "alarm_disabled", "alarm_empty"]
	p := alarm_problem(check, g)
	f := lib.finding(g, p.path, p.message)
}

findings contains f if {
	some g in lib.resources("aws_codedeploy_deployment_group")
	not alarm_failing(g)
	some check in ["rollback_missing", "rollback_disabled", "rollback_no_stop"]
	p := rollback_problem(check, g)
	f := lib.finding(g, p.path, p.message)
}

alarm_failing(g) if {
	some check in ["alarm_missing", "alarm_disabled", "alarm_empty"]
	alarm_problem(check, g)
}

# --- alarms ---

alarm_problem("alarm_missing", g) := p if {
	missing(g, names.alarm_config)
	p := {"path": ["properties", names.alarm_config], "message": sprintf(
		"CodeDeploy deployment group %s has no %s, so no alarm can stop a deployment",
		[g.address, names.alarm_config],
	)}
}

alarm_problem("alarm_disabled", g) := p if {
	cp := block_path(names.alarm_config)
	is_object(lib.get(g, cp))
	v := lib.get(g, array.concat(cp, [names.enabled]))
	not lib.is_unknown(v)
	not lib.is_true(v)
	p := {"path": value_or(v, array.concat(cp, [names.enabled]), cp), "message": sprintf(
		"CodeDeploy deployment group %s does not enable its %s (%s is %v), so no alarm stops a deployment",
		[g.address, names.alarm_config, names.enabled, shown(v)],
	)}
}

alarm_problem("alarm_empty", g) := p if {
	cp := block_path(names.alarm_config)
	is_object(lib.get(g, cp))
	lib.is_true(lib.get(g, array.concat(cp, [names.enabled])))
	v := lib.get(g, array.concat(cp, [names.alarms]))
	not lib.is_unknown(v)
	lib.is_empty(v)
	p := {"path": value_or(v, array.concat(cp, [names.alarms]), cp), "message": sprintf(
		"CodeDeploy deployment group %s enables %s but lists no alarms, so no alarm stops a deployment",
		[g.address, names.alarm_config],
	)}
}

# --- rollback when an alarm stops a deployment ---

rollback_problem("rollback_missing", g) := p if {
	missing(g, names.rollback)
	p := {"path": ["properties", names.rollback], "message": sprintf(
		"CodeDeploy deployment group %s has no %s, so a deployment stopped by an alarm is not rolled back",
		[g.address, names.rollback],
	)}
}

rollback_problem("rollback_disabled", g) := p if {
	rp := block_path(names.rollback)
	is_object(lib.get(g, rp))
	v := lib.get(g, array.concat(rp, [names.enabled]))
	not lib.is_unknown(v)
	not lib.is_true(v)
	p := {"path": value_or(v, array.concat(rp, [names.enabled]), rp), "message": sprintf(
		"CodeDeploy deployment group %s does not enable %s (%s is %v), so a deployment stopped by an alarm is not rolled back",
		[g.address, names.rollback, names.enabled, shown(v)],
	)}
}

rollback_problem("rollback_no_stop", g) := p if {
	rp := block_path(names.rollback)
	is_object(lib.get(g, rp))
	lib.is_true(lib.get(g, array.concat(rp, [names.enabled])))
	ep := array.concat(rp, [names.events])
	events := lib.get(g, ep)
	not lib.is_unknown(events)
	not has_unknown_item(events)
	not "DEPLOYMENT_STOP_ON_ALARM" in items(events)
	p := {"path": value_or(events, ep, rp), "message": sprintf(
		"CodeDeploy deployment group %s does not roll back on DEPLOYMENT_STOP_ON_ALARM (%s: %v), so a deployment stopped by an alarm stays half-done",
		[g.address, names.events, items(events)],
	)}
}

# --- helpers ---

missing(g, name) if lib.get(g, ["properties", name]) == null

missing(g, name) if {
	lib.is_terraform
	lib.get(g, ["properties", name]) == []
}

# The value's own path when it is written, else the enclosing block's.
value_or(null, _, outer) := outer

value_or(v, own, _) := own if v != null

shown(null) := "not set"

shown(v) := v if v != null

items(null) := []

items(e) := [x | some x in e] if is_array(e)

items(e) := [x | some x in e] if is_set(e)

items(e) := [e] if is_string(e)

has_unknown_item(e) if {
	not is_string(e)
	e != null
	some x in e
	lib.is_unknown(x)
}
