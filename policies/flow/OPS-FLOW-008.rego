# OPS-FLOW-008: pipelines test before they deploy.
#
# In an AWS::CodePipeline::Pipeline (aws_codepipeline), the first stage that holds a
# Deploy action must come after a stage that holds a Test, Build or Approval action.
# A Build or Test action in the deploy stage itself does not count: actions of a stage
# run together (by RunOrder), and the rule asks for a stage gate before deployment.
# The finding points at the first deploy stage that has no such stage before it.
#
# Unknown never fails: when the stages, an earlier stage's actions, or an action's
# category cannot be known (parameters, Fn::If, Terraform dynamic blocks), the pipeline
# is skipped.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent.
package opsgate.rules.flow_008

import data.opsgate.lib

metadata := {
	"id": "OPS-FLOW-008",
	"title": "Pipelines test before they deploy",
	"severity": "medium",
	"area": "Prepare",
	"section": "Improve Flow",
	"best_practice": "Test and validate changes",
	"description": concat(" ", [
		"A pipeline that deploys straight from its source ships every change untested.",
		"Put a stage with a Build, Test or manual Approval action before the first stage",
		"that deploys, so that changes are validated before they reach an environment.",
	]),
	"remediation": {
		"cloudformation": concat(" ", [
			"Add a stage before the first Deploy stage of the AWS::CodePipeline::Pipeline with",
			"an action whose ActionTypeId.Category is Build, Test or Approval (for example a",
			"CodeBuild project that runs the tests).",
		]),
		"terraform": concat(" ", [
			"Add a `stage` block before the first deploying stage of the aws_codepipeline with",
			"an `action` whose `category` is \"Build\", \"Test\" or \"Approval\".",
		]),
	},
	"config_rule": null,
	"kinds": ["aws_codepipeline"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

gates := {"Build", "Test", "Approval"}

# Property names per format.
stages_attr := "Stages" if lib.is_cloudformation

stages_attr := "stage" if lib.is_terraform

actions_attr := "Actions" if lib.is_cloudformation

actions_attr := "action" if lib.is_terraform

category_path := ["ActionTypeId", "Category"] if lib.is_cloudformation

category_path := ["category"] if lib.is_terraform

# The categories of a stage's actions; undefined when any of them is unknown.
categories(stage) := cats if {
	is_object(stage)
	actions := lib.get(stage, [actions_attr])
	is_array(actions)
	cats := [c |
		some a in actions
		c := category(a)
	]
	every c in cats {
		not lib.is_unknown(c)
	}
	every a in actions {
		is_object(a)
		not lib.is_unknown(a)
	}
}

# The category of an action; the action itself when it is unknown.
category(a) := lib.get(a, category_path) if is_object(a)

category(a) := a if not is_object(a)

# Index of the first stage that holds a (known) Deploy action.
first_deploy(stages) := min([i |
	some i, s in stages
	is_object(s)
	actions := object.get(s, actions_attr, [])
	is_array(actions)
	some a in actions
	category(a) == "Deploy"
])

# Every stage before `i` is known and none of them has a gate action.
ungated(stages, i) if {
	every j in [k | some k, _ in stages; k < i] {
		cats := categories(stages[j])
		every c in cats {
			not c in gates
		}
	}
}

findings contains f if {
	lib.is_cloudformation
	some p in lib.resources("aws_codepipeline")
	stages := lib.get(p, ["properties", stages_attr])
	is_array(stages)
	i := first_deploy(stages)
	ungated(stages, i)
	f := lib.finding(p, ["properties", stages_attr, i], sprintf(
		"pipeline %s deploys in stage %s before any stage runs a Build, Test or Approval action",
		[p.address, stage_name(stages[i], "Name", i)],
	))
}

findings contains f if {
	lib.is_terraform
	some p in lib.resources("aws_codepipeline")
	stages := lib.get(p, ["properties", stages_attr])
	is_array(stages)
	i := first_deploy(stages)
	ungated(stages, i)
	f := lib.finding(p, ["properties", stages_attr, i], sprintf(
		"pipeline %s deploys in stage %s before any stage runs a Build, Test or Approval action",
		[p.address, stage_name(stages[i], "name", i)],
	))
}

stage_name(s, attr, _) := sprintf("%q", [s[attr]]) if is_string(s[attr])

stage_name(s, attr, i) := sprintf("#%d", [i + 1]) if not is_string(s[attr])
