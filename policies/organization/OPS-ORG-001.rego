# OPS-ORG-001: every taggable resource carries the required tags.
#
# A resource nobody owns is a resource nobody is paged for. Tags are how AWS (Cost
# Explorer, Resource Groups, tag policies, incident tooling) knows the owner, so every
# resource that can carry tags must carry the `required_tags` keys (default `Owner`)
# with a non-empty value.
#
# Which types are taggable comes from policies/data/taggable.json (generated from the
# CloudFormation resource schemas and the AWS provider schema); other types are never
# reported. The tags counted are the resource's effective tags as the input gives them:
# CloudFormation `Tags` (or the type's own tag property, e.g. `FileSystemTags`), SAM
# `Tags` and `Globals` (SAM's implicit ServerlessHttpApi: Globals.HttpApi.Tags; the
# implicit ServerlessRestApi has no tags but the stack's); Terraform `tags` merged over
# the provider's `default_tags` (`tag` blocks for aws_autoscaling_group, which
# default_tags do not reach).
#
# CloudFormation stack tags are applied at deploy time (`aws cloudformation deploy
# --tags`, the CDK's `Tags.of(app)`, a pipeline) and are not in the template: the
# parameter `stack_tags` (config `[cloudformation] stack_tags`) names the keys the stack
# supplies, and those count as present on every CloudFormation resource.
#
# Unknown never fails: a resource whose tag set cannot be known (tags from a parameter,
# a variable without a value, `merge(var.tags, ...)` over an unknown map, a tag key from
# an intrinsic) is skipped; a known key with an unknown value counts as present.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent. Tags are `tags_all` (tags merged
# over the provider's default_tags).
package opsgate.rules.org_001

import data.opsgate.lib

metadata := {
	"id": "OPS-ORG-001",
	"title": "Every taggable resource carries the required tags",
	"severity": "medium",
	"area": "Organization",
	"section": "Relationships and Ownership",
	"best_practice": "Resources have identified owners",
	"description": concat(" ", [
		"Every resource needs an identified owner who is responsible for it and is the",
		"contact when it misbehaves, costs too much or must change. Tags are how that",
		"ownership travels with the resource into the console, Cost Explorer, tag",
		"policies and incident tooling. Every resource type that supports tags should",
		"carry the required tag keys (configurable, default `Owner`) with a non-empty value.",
	]),
	"remediation": {
		"cloudformation": concat(" ", [
			"Add the missing keys to the resource's `Tags` (for example `Tags: [{Key: Owner,",
			"Value: team-orders}]`; SAM: `Tags: {Owner: team-orders}`, or once in",
			"`Globals.Function.Tags`). Tags the stack receives at deploy time (`--tags`, the",
			"CDK's `Tags.of(app)`) belong in `[cloudformation] stack_tags` of opsgate.toml.",
		]),
		"terraform": concat(" ", [
			"Add the missing keys once to the provider's `default_tags { tags = { Owner =",
			"\"team-orders\" } }`, or to the resource's `tags` (aws_autoscaling_group: a `tag",
			"{ key, value, propagate_at_launch }` block).",
		]),
	},
	"config_rule": "required-tags",
	"kinds": [],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
	"parameters": {"required_tags": ["Owner"], "stack_tags": []},
}

required := [k | some k in lib.param(metadata.id, "required_tags", metadata.parameters.required_tags)]

# Keys the CloudFormation stack supplies at deploy time.
stack_tags := {k | some k in lib.param(metadata.id, "stack_tags", metadata.parameters.stack_tags)}

taggable(r) if {
	lib.is_cloudformation
	data.opsgate.data.taggable.cloudformation[r.type]
}

taggable(r) if {
	lib.is_terraform
	data.opsgate.data.taggable.terraform[r.type]
}

# A tag that is there: a known non-empty value, or a value opsgate cannot know.
present(tags, k) if {
	v := tags[k]
	lib.is_unknown(v)
}

present(tags, k) if {
	v := tags[k]
	is_string(v)
	trim_space(v) != ""
}

present(tags, k) if {
	v := tags[k]
	not is_string(v)
	not is_object(v)
	v != null
}

present(_, k) if {
	lib.is_cloudformation
	k in stack_tags
}

findings contains f if {
	some r in input.resources
	is_object(r.tags)
	not lib.is_unknown(r.tags)
	taggable(r)
	missing := [describe(r.tags, k) | some k in required; not present(r.tags, k)]
	count(missing) > 0
	f := object.union(
		lib.finding(r, ["tags"], sprintf(
			"%s lacks the required tag%s %s: nobody is identified as its owner",
			[r.address, plural(missing), concat(", ", missing)],
		)),
		implicit_fix(r),
	)
}

# SAM's implicit APIs are configured only through Globals: the HTTP API takes
# Globals.HttpApi.Tags, the REST API has no tags of its own (Globals.Api has no Tags).
implicit_fix(r) := {"fix": concat(" ", [
	"SAM's implicit ServerlessRestApi cannot be tagged in the template (Globals.Api has",
	"no Tags): give the stack the tags at deploy time (`sam deploy --tags Owner=...`)",
	"and list them in `[cloudformation] stack_tags` of opsgate.toml, or declare an",
	"AWS::Serverless::Api with Tags and set RestApiId on the Api events.",
])} if {
	r.type == "AWS::Serverless::Api"
	r.meta.implicit
} else := {"fix": concat(" ", [
	"Add the missing keys to `Globals.HttpApi.Tags` (for example `Tags: {Owner:",
	"team-orders}`), where SAM's implicit ServerlessHttpApi takes its tags from.",
])} if {
	r.type == "AWS::Serverless::HttpApi"
	r.meta.implicit
} else := {}

describe(tags, k) := sprintf("%s (its value is empty)", [k]) if {
	object.get(tags, k, null) != null
} else := k

plural(list) := "s" if count(list) > 1

else := ""
