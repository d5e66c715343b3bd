# OPS-DEP-011: Elastic Beanstalk environments deploy new application versions in batches
# (or to new instances), not to every instance at once.
#
# CloudFormation: AWS::ElasticBeanstalk::Environment and AWS::ElasticBeanstalk::ConfigurationTemplate
# `OptionSettings` is a list of {Namespace, OptionName, Value[, ResourceName]}. The option
# `aws:elasticbeanstalk:command` / `DeploymentPolicy` takes AllAtOnce | Rolling |
# RollingWithAdditionalBatch | Immutable | TrafficSplitting; the Elastic Beanstalk
# documentation gives AllAtOnce as the default when the option is not set (only the EB CLI
# picks Rolling for scalable environments it creates itself).
# Terraform: aws_elastic_beanstalk_environment / aws_elastic_beanstalk_configuration_template
# `setting { namespace, name, value }` blocks (a list of objects in the input).
#
# Findings:
# - an environment or configuration template whose DeploymentPolicy is "AllAtOnce",
#   at the setting's value;
# - an environment that does not set the option at all (AllAtOnce by default), at its
#   OptionSettings / setting (the resource header when absent). An environment that takes
#   its options from a saved configuration (TemplateName / template_name) is not reported
#   for a missing option: the template may set it (the template itself is checked for an
#   explicit AllAtOnce only, since an environment may override it).
#
# Unknown never fails: an unknown OptionSettings list / `dynamic "setting"` block, an entry
# whose namespace or option name is unknown (it could be this option), or an unknown value
# are silent. Options set in the source bundle's .ebextensions cannot be seen and may differ.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent.
package opsgate.rules.dep_011

import data.opsgate.lib

metadata := {
	"id": "OPS-DEP-011",
	"title": "Elastic Beanstalk deploys in batches",
	"severity": "low",
	"area": "Prepare",
	"section": "Mitigate Deployment Risks",
	"best_practice": "Test using limited deployments",
	"description": concat(" ", [
		"With the AllAtOnce deployment policy, the Elastic Beanstalk default, a new application",
		"version goes to every instance at the same time: a bad version takes the whole",
		"environment down, and there is a short outage even for a good one. Rolling,",
		"RollingWithAdditionalBatch, Immutable and TrafficSplitting deployments expose the",
		"change to a part of the capacity first and stop when the new instances fail their",
		"health checks.",
	]),
	"remediation": {
		"cloudformation": "Add an OptionSettings entry `{Namespace: aws:elasticbeanstalk:command, OptionName: DeploymentPolicy, Value: Rolling}` (or RollingWithAdditionalBatch, Immutable, TrafficSplitting) to the AWS::ElasticBeanstalk::Environment or its configuration template.",
		"terraform": "Add `setting { namespace = \"aws:elasticbeanstalk:command\" name = \"DeploymentPolicy\" value = \"Immutable\" }` (or Rolling, RollingWithAdditionalBatch, TrafficSplitting) to the aws_elastic_beanstalk_environment or its configuration template.",
	},
	"config_rule": null,
	"kinds": ["aws_elastic_beanstalk_environment", "aws_elastic_beanstalk_configuration_template"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

ns := "aws:elasticbeanstalk:command"

option := "DeploymentPolicy"

fix := "set aws:elasticbeanstalk:command DeploymentPolicy to Rolling, RollingWithAdditionalBatch, Immutable or TrafficSplitting"

kinds := ["aws_elastic_beanstalk_environment", "aws_elastic_beanstalk_configuration_template"]

# Per format: the property holding the settings and the keys of one entry.
list_prop := "OptionSettings" if lib.is_cloudformation

list_prop := "setting" if lib.is_terraform

ns_key := "Namespace" if lib.is_cloudformation

ns_key := "namespace" if lib.is_terraform

name_key := "OptionName" if lib.is_cloudformation

name_key := "name" if lib.is_terraform

value_key := "Value" if lib.is_cloudformation

value_key := "value" if lib.is_terraform

template_prop := "TemplateName" if lib.is_cloudformation

template_prop := "template_name" if lib.is_terraform

env_kind := "aws_elastic_beanstalk_environment"

# Indexes of the entries that set this option (known namespace and name).
matching(r) := [i |
	entries := r.properties[list_prop]
	is_array(entries)
	some i, e in entries
	is_object(e)
	object.get(e, ns_key, null) == ns
	object.get(e, name_key, null) == option
]

# The settings could hold the option without opsgate seeing it.
maybe_set(r) if lib.is_unknown(lib.get(r, ["properties", list_prop]))

maybe_set(r) if {
	entries := r.properties[list_prop]
	is_array(entries)
	some e in entries
	maybe_entry(e)
}

maybe_entry(e) if lib.is_unknown(e)

maybe_entry(e) if {
	is_object(e)
	lib.is_unknown(object.get(e, ns_key, null))
	object.get(e, name_key, null) in {option, null}
}

maybe_entry(e) if {
	is_object(e)
	lib.is_unknown(object.get(e, name_key, null))
	object.get(e, ns_key, null) in {ns, null}
}

maybe_entry(e) if {
	is_object(e)
	lib.is_unknown(object.get(e, name_key, null))
	lib.is_unknown(object.get(e, ns_key, null))
}

# An explicit AllAtOnce (environment or configuration template).
findings contains f if {
	lib.is_cloudformation
	some f in explicit
}

findings contains f if {
	lib.is_terraform
	some f in explicit
}

explicit contains f if {
	some r in lib.resources_of(kinds, [])
	not lib.is_unknown(lib.get(r, ["properties", list_prop]))
	some i in matching(r)
	path := ["properties", list_prop, i, value_key]
	v := lib.get(r, path)
	is_string(v)
	lower(v) == "allatonce"
	msg := sprintf("%s sets DeploymentPolicy %q, so a new version goes to every instance at once", [r.address, v])
	f := object.union(lib.finding(r, path, msg), {"fix": fix})
}

# An environment that never sets the option: AllAtOnce by default.
findings contains f if {
	lib.is_cloudformation
	some f in missing
}

findings contains f if {
	lib.is_terraform
	some f in missing
}

missing contains f if {
	some r in lib.resources(env_kind)
	lib.get(r, ["properties", template_prop]) == null
	not maybe_set(r)
	count(matching_or_empty(r)) == 0
	msg := sprintf("environment %s sets no aws:elasticbeanstalk:command DeploymentPolicy, so Elastic Beanstalk deploys to all instances at once (AllAtOnce, the default)", [r.address])
	f := object.union(lib.finding(r, ["properties", list_prop], msg), {"fix": fix})
}

matching_or_empty(r) := matching(r) if is_array(object.get(r.properties, list_prop, null))

matching_or_empty(r) := [] if object.get(r.properties, list_prop, null) == null
