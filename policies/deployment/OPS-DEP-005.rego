# OPS-DEP-005: ECS services roll back failed deployments.
#
# CloudFormation (AWS::ECS::Service): DeploymentConfiguration.DeploymentCircuitBreaker
# with Enable and Rollback both true (both are required in the property type; without
# the circuit breaker a rolling deployment whose tasks never become healthy keeps
# retrying and is not rolled back).
# Terraform (aws_ecs_service): `deployment_circuit_breaker { enable = true, rollback =
# true }`.
#
# Not checked: services whose deployment controller is CODE_DEPLOY or EXTERNAL
# (DeploymentController.Type / `deployment_controller { type }`; the default is ECS): the
# circuit breaker only applies to the ECS (rolling update) controller, and rollback is
# the business of CodeDeploy (OPS-DEP-008) or the external tool. Services that roll back
# on CloudWatch alarms instead (DeploymentConfiguration.Alarms / `alarms {}` with Enable
# and Rollback true and at least one alarm name) also pass: ECS rolls those back when a
# deployment fails on the alarms.
#
# Paths: at Enable when it is not true, else at Rollback; a missing circuit breaker (or
# value) points at the deepest part that exists (DeploymentConfiguration, or the
# resource's name / header).
#
# Unknown never fails: an unknown controller type, deployment configuration, circuit
# breaker, Enable or Rollback, or an alarm configuration that may roll back (unknown
# parts), is silent.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent.
package opsgate.rules.dep_005

import data.opsgate.lib

metadata := {
	"id": "OPS-DEP-005",
	"title": "ECS services roll back failed deployments",
	"severity": "high",
	"area": "Prepare",
	"section": "Mitigate Deployment Risks",
	"best_practice": "Automate testing and rollback",
	"description": concat(" ", [
		"When a new task definition cannot reach a steady state (the container crashes, fails",
		"its health check, cannot pull its image), a rolling ECS deployment without the",
		"deployment circuit breaker keeps launching failing tasks for hours. With the circuit",
		"breaker and rollback on, ECS marks the deployment failed and returns the service to",
		"the last deployment that completed, so an unsuccessful change is undone on its own.",
	]),
	"remediation": {
		"cloudformation": "Set `DeploymentConfiguration: {DeploymentCircuitBreaker: {Enable: true, Rollback: true}}` on the AWS::ECS::Service.",
		"terraform": "Add `deployment_circuit_breaker { enable = true, rollback = true }` to the aws_ecs_service.",
	},
	"config_rule": null,
	"kinds": ["aws_ecs_service"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

names := {
	"breaker": ["DeploymentConfiguration", "DeploymentCircuitBreaker"],
	"enable": "Enable",
	"rollback": "Rollback",
	"controller_type": ["DeploymentController", "Type"],
	"alarms": ["DeploymentConfiguration", "Alarms"],
	"alarm_names": "AlarmNames",
	"shown": "DeploymentCircuitBreaker",
} if lib.is_cloudformation

names := {
	"breaker": ["deployment_circuit_breaker", 0],
	"enable": "enable",
	"rollback": "rollback",
	"controller_type": ["deployment_controller", 0, "type"],
	"alarms": ["alarms", 0],
	"alarm_names": "alarm_names",
	"shown": "deployment_circuit_breaker",
} if lib.is_terraform

findings contains f if {
	some s in lib.resources("aws_ecs_service")
	ecs_controller(s)
	not may_roll_back_on_alarms(s)
	bp := array.concat(["properties"], names.breaker)
	breaker := lib.get(s, bp)
	not lib.is_unknown(breaker)
	enable := lib.get(s, array.concat(bp, [names.enable]))
	rollback := lib.get(s, array.concat(bp, [names.rollback]))
	not lib.is_unknown(enable)
	not lib.is_unknown(rollback)
	not both_true(enable, rollback)
	field := failing_field(enable)
	f := lib.finding(s, array.concat(bp, [field]), message(s, breaker, enable, rollback))
}

# The ECS (rolling update) deployment controller: the default, or written as ECS.
ecs_controller(s) if lib.get(s, array.concat(["properties"], names.controller_type)) == null

ecs_controller(s) if {
	t := lib.get(s, array.concat(["properties"], names.controller_type))
	is_string(t)
	upper(t) == "ECS"
}

both_true(a, b) if {
	lib.is_true(a)
	lib.is_true(b)
}

failing_field(enable) := names.enable if not lib.is_true(enable)

failing_field(enable) := names.rollback if lib.is_true(enable)

# Deployment alarms that roll back, or might (unknown parts): Enable and Rollback not
# known to be off, alarm names not known to be empty.
may_roll_back_on_alarms(s) if {
	ap := array.concat(["properties"], names.alarms)
	a := lib.get(s, ap)
	lib.is_unknown(a)
}

may_roll_back_on_alarms(s) if {
	ap := array.concat(["properties"], names.alarms)
	is_object(lib.get(s, ap))
	on_or_unknown(lib.get(s, array.concat(ap, [names.enable])))
	on_or_unknown(lib.get(s, array.concat(ap, [names.rollback])))
	alarm_names := lib.get(s, array.concat(ap, [names.alarm_names]))
	not lib.is_empty(alarm_names)
}

on_or_unknown(v) if lib.is_true(v)

on_or_unknown(v) if lib.is_unknown(v)

message(s, null, _, _) := sprintf(
	"ECS service %s has no %s, so a deployment whose tasks never become healthy is not stopped and rolled back",
	[s.address, names.shown],
)

message(s, b, e, _) := sprintf(
	"ECS service %s does not enable its %s (%s is %v), so a failed deployment is not stopped and rolled back",
	[s.address, names.shown, names.enable, shown(e)],
) if {
	b != null
	not lib.is_true(e)
}

message(s, b, e, r) := sprintf(
	"ECS service %s stops failed deployments but does not roll them back (%s is %v)",
	[s.address, names.rollback, shown(r)],
) if {
	b != null
	lib.is_true(e)
}

shown(null) := "not set"

shown(v) := v if v != null
