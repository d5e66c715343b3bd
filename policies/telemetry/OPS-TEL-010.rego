# OPS-TEL-010: every ECS cluster collects CloudWatch Container Insights.
#
# AWS::ECS::Cluster: ClusterSettings is a list of {Name, Value}; Name's only allowed
# value is containerInsights; Value is enhanced | enabled | disabled (ECS API
# ClusterSetting; older CloudFormation pages list only enabled | disabled). Without a
# cluster setting, Container Insights follows the account's containerInsights setting
# (PutAccountSetting[Default]), which is off unless someone turned it on outside the
# template: the cluster is reported because its telemetry is not managed as code.
#
# Terraform (aws_ecs_cluster): `setting { name = "containerInsights", value = ... }`
# blocks (name valid value containerInsights; value enabled | disabled, and enhanced in
# current provider versions).
#
# A cluster fails when it has no settings, when none of its settings is
# containerInsights, or when its containerInsights setting has a known value other than
# enabled/enhanced (compared case-insensitively) or no value. The finding points at that
# value (or the setting entry / block when the value is missing), else at the
# ClusterSettings list, else at the resource (header).
#
# Unknown never fails: an unknown ClusterSettings (parameter, condition), an unknown
# entry or Name/name among the settings (it might be containerInsights), an unknown
# Value/value, or a `dynamic "setting"` block is silent.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent.
package opsgate.rules.tel_010

import data.opsgate.lib

metadata := {
	"id": "OPS-TEL-010",
	"title": "ECS clusters collect Container Insights",
	"severity": "low",
	"area": "Prepare",
	"section": "Design Telemetry",
	"best_practice": "Implement and configure workload telemetry",
	"description": concat(" ", [
		"Container Insights collects CPU, memory, network and storage metrics per cluster,",
		"service and task (and per container with enhanced observability), plus task and",
		"deployment events, so that an operator can see which service is starved or",
		"restarting. ECS collects them only when the cluster's containerInsights setting is",
		"enabled or enhanced; without the setting the cluster depends on an account-level",
		"default that is off unless changed outside the template.",
	]),
	"remediation": {
		"cloudformation": "Add `ClusterSettings: [{Name: containerInsights, Value: enhanced}]` (or `enabled`) to the AWS::ECS::Cluster.",
		"terraform": "Add `setting { name = \"containerInsights\", value = \"enhanced\" }` (or \"enabled\") to the aws_ecs_cluster.",
	},
	"config_rule": "ecs-container-insights-enabled",
	"kinds": ["aws_ecs_cluster"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

# The settings of each cluster as [cluster, property, name key, value key, fix].
views contains [c, "ClusterSettings", "Name", "Value", "add {Name: containerInsights, Value: enhanced} to ClusterSettings"] if {
	lib.is_cloudformation
	some c in lib.resources("aws_ecs_cluster")
}

views contains [c, "setting", "name", "value", "add setting { name = \"containerInsights\", value = \"enhanced\" }"] if {
	lib.is_terraform
	some c in lib.resources("aws_ecs_cluster")
}

# No settings at all.
findings contains f if {
	some [c, prop, _, _, fix] in views
	lib.get(c, ["properties", prop]) == null
	msg := sprintf("ECS cluster %s sets no containerInsights %s, so Container Insights depends on the account default (off unless changed outside the template)", [c.address, what(prop)])
	f := object.union(lib.finding(c, ["properties", prop], msg), {"fix": fix})
}

# Settings, none of which is (or might be) containerInsights.
findings contains f if {
	some [c, prop, nk, _, fix] in views
	settings := lib.get(c, ["properties", prop])
	is_array(settings)
	count([i | some i, s in settings; maybe_insights(s, nk)]) == 0
	msg := sprintf("ECS cluster %s has %s but none for containerInsights, so Container Insights depends on the account default (off unless changed outside the template)", [c.address, plural(prop)])
	f := object.union(lib.finding(c, ["properties", prop], msg), {"fix": fix})
}

# A containerInsights setting that is off (or has no value), and no other one that is on.
findings contains f if {
	some [c, prop, nk, vk, fix] in views
	settings := lib.get(c, ["properties", prop])
	is_array(settings)
	bad := [i | some i, s in settings; is_insights(s, nk); not on(lib.get(s, [vk]))]
	count(bad) > 0
	count([i | some i, s in settings; maybe_insights(s, nk); not is_insights(s, nk)]) == 0
	count([i | some i, s in settings; is_insights(s, nk); on(lib.get(s, [vk]))]) == 0
	path := ["properties", prop, bad[0], vk]
	msg := off_message(c, lib.get(c, path))
	f := object.union(lib.finding(c, path, msg), {"fix": fix})
}

what("ClusterSettings") := "ClusterSettings entry"

what("setting") := "setting block"

plural("ClusterSettings") := "ClusterSettings"

plural("setting") := "setting blocks"

# A setting that is containerInsights, or could be (unknown entry or name).
maybe_insights(s, nk) if is_insights(s, nk)

maybe_insights(s, _) if lib.is_unknown(s)

maybe_insights(s, nk) if lib.is_unknown(lib.get(s, [nk]))

is_insights(s, nk) if {
	is_object(s)
	not lib.is_unknown(s)
	lib.get(s, [nk]) == "containerInsights"
}

# A value that collects (or might collect) Container Insights.
on(v) if lib.is_unknown(v)

on(v) if {
	is_string(v)
	lower(v) in {"enabled", "enhanced"}
}

off_message(c, null) := sprintf("ECS cluster %s has a containerInsights setting without a value, so Container Insights is not enabled", [c.address])

off_message(c, v) := sprintf("ECS cluster %s has containerInsights %v, so Container Insights collects nothing for it", [c.address, v]) if v != null
