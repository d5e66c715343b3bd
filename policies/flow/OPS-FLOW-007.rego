# OPS-FLOW-007: Elastic Beanstalk environments apply managed platform updates (patch and
# minor platform versions in a weekly maintenance window).
#
# CloudFormation: AWS::ElasticBeanstalk::Environment and AWS::ElasticBeanstalk::ConfigurationTemplate
# `OptionSettings` is a list of {Namespace, OptionName, Value[, ResourceName]}; the option
# `aws:elasticbeanstalk:managedactions` / `ManagedActionsEnabled` is a boolean written as a
# string ("true" / "false"). The Elastic Beanstalk general options documentation gives
# `false` as the default for the API, CloudFormation and Terraform (only the console enables
# it for environments it creates). When it is true, PreferredStartTime and
# aws:elasticbeanstalk:managedactions:platformupdate UpdateLevel (patch | minor) complete it.
# Terraform: aws_elastic_beanstalk_environment / aws_elastic_beanstalk_configuration_template
# `setting { namespace, name, value }` blocks (a list of objects in the input).
#
# Findings:
# - an environment or configuration template that sets ManagedActionsEnabled to false,
#   at the setting's value;
# - an environment that does not set the option (false by default), at its
#   OptionSettings / setting (the resource header when absent). An environment that takes
#   its options from a saved configuration (TemplateName / template_name) is not reported
#   for a missing option: the template may set it (the template itself is checked for an
#   explicit false only, since an environment may override it).
#
# Unknown never fails: an unknown OptionSettings list / `dynamic "setting"` block, an entry
# whose namespace or option name is unknown (it could be this option), or an unknown value
# are silent. Options set in the source bundle's .ebextensions cannot be seen and may differ.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent.
package opsgate.rules.flow_007

import data.opsgate.lib

metadata := {
	"id": "OPS-FLOW-007",
	"title": "Elastic Beanstalk applies managed platform updates",
	"severity": "low",
	"area": "Prepare",
	"section": "Improve Flow",
	"best_practice": "Perform patch management",
	"description": concat(" ", [
		"Elastic Beanstalk platform versions bundle the operating system, language runtime and",
		"web server. With managed platform updates Elastic Beanstalk applies new patch (or",
		"minor) platform versions during a weekly maintenance window, with an immutable",
		"deployment, so the environment keeps receiving security fixes without a manual",
		"upgrade. Without them (the default outside the console) the platform ages until",
		"someone notices.",
	]),
	"remediation": {
		"cloudformation": "Add OptionSettings entries `{Namespace: aws:elasticbeanstalk:managedactions, OptionName: ManagedActionsEnabled, Value: \"true\"}`, `{Namespace: aws:elasticbeanstalk:managedactions, OptionName: PreferredStartTime, Value: \"Sun:02:00\"}` and `{Namespace: aws:elasticbeanstalk:managedactions:platformupdate, OptionName: UpdateLevel, Value: minor}` to the environment or its configuration template.",
		"terraform": "Add `setting { namespace = \"aws:elasticbeanstalk:managedactions\" name = \"ManagedActionsEnabled\" value = \"true\" }`, a PreferredStartTime setting and an `aws:elasticbeanstalk:managedactions:platformupdate` UpdateLevel setting to the aws_elastic_beanstalk_environment or its configuration template.",
	},
	"config_rule": "elastic-beanstalk-managed-updates-enabled",
	"kinds": ["aws_elastic_beanstalk_environment", "aws_elastic_beanstalk_configuration_template"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

ns := "aws:elasticbeanstalk:managedactions"

option := "ManagedActionsEnabled"

fix := "set aws:elasticbeanstalk:managedactions ManagedActionsEnabled to true, with a PreferredStartTime and an UpdateLevel"

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

# An explicit false (environment or configuration template).
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
	lib.is_false(v)
	msg := sprintf("%s sets ManagedActionsEnabled to %v, so Elastic Beanstalk does not apply platform updates", [r.address, v])
	f := object.union(lib.finding(r, path, msg), {"fix": fix})
}

# An environment that never sets the option: false by default.
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
	msg := sprintf("environment %s does not set aws:elasticbeanstalk:managedactions ManagedActionsEnabled, so managed platform updates are off (the default)", [r.address])
	f := object.union(lib.finding(r, ["properties", list_prop], msg), {"fix": fix})
}

matching_or_empty(r) := matching(r) if is_array(object.get(r.properties, list_prop, null))

matching_or_empty(r) := [] if object.get(r.properties, list_prop, null) == null
