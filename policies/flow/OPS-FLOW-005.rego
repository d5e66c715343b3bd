# OPS-FLOW-005: EC2 instances can be reached by Systems Manager.
#
# A three-hop join: the instance's instance profile (AWS::EC2::Instance
# IamInstanceProfile / aws_instance iam_instance_profile) → the profile's role
# (AWS::IAM::InstanceProfile Roles / aws_iam_instance_profile role) → the role's
# managed policies, which must include AmazonSSMManagedInstanceCore:
# CloudFormation AWS::IAM::Role ManagedPolicyArns; Terraform aws_iam_role
# managed_policy_arns, or an aws_iam_role_policy_attachment whose role references the
# role (or an aws_iam_role_policy_attachments_exclusive `policy_arns`). A policy ARN counts when its text contains the policy name, also when it is
# unknown (`!Sub arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
# "arn:${data.aws_partition.current.partition}:iam::aws:policy/...").
#
# An instance without an instance profile fails. Unknown never fails: a profile or
# role that is not a resource of the unit (a literal name, a parameter, an import),
# an unknown list of policies, or an unknown policy ARN that is not an AWS managed
# policy ARN (it may be the SSM one) keeps the instance silent. An unknown ARN whose
# text is an AWS managed policy (`:iam::aws:policy/<other>`) is known not to be it.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent. Joins follow the edges from the
# configuration's references, as in Terraform configuration.
package opsgate.rules.flow_005

import data.opsgate.graph
import data.opsgate.lib

metadata := {
	"id": "OPS-FLOW-005",
	"title": "EC2 instances can be reached by Systems Manager",
	"severity": "medium",
	"area": "Prepare",
	"section": "Improve Flow",
	"best_practice": "Perform patch management",
	"description": concat(" ", [
		"Systems Manager patches, inventories and runs commands on instances that its agent",
		"can register, which needs an instance profile whose role has the",
		"AmazonSSMManagedInstanceCore managed policy. An instance without it cannot be",
		"patched by Patch Manager nor reached by Session Manager, and drifts out of the",
		"fleet's patch compliance.",
	]),
	"remediation": {
		"cloudformation": concat(" ", [
			"Give the AWS::EC2::Instance an IamInstanceProfile whose AWS::IAM::Role lists",
			"`!Sub arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore` in",
			"ManagedPolicyArns.",
		]),
		"terraform": concat(" ", [
			"Set `iam_instance_profile` on the aws_instance to an aws_iam_instance_profile whose",
			"role has an aws_iam_role_policy_attachment with policy_arn",
			"\"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore\".",
		]),
	},
	"config_rule": "ec2-instance-managed-by-systems-manager",
	"kinds": ["aws_instance", "aws_iam_instance_profile", "aws_iam_role", "aws_iam_role_policy_attachment"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

policy_name := "AmazonSSMManagedInstanceCore"

# Attribute names per format.
profile_attr := "IamInstanceProfile" if lib.is_cloudformation

profile_attr := "iam_instance_profile" if lib.is_terraform

roles_attr := "Roles" if lib.is_cloudformation

roles_attr := "role" if lib.is_terraform

policies_attr := "ManagedPolicyArns" if lib.is_cloudformation

policies_attr := "managed_policy_arns" if lib.is_terraform

# Resources of `kind` that `r` references at or below `path`.
targets(r, path, kind) := {e.to |
	some e in object.get(graph.edges_from, r.address, set())
	not e.via in {"DependsOn", "depends_on"}
	lib.has_prefix(e.path, path)
	input.resources[e.to].kind == kind
}

# Terraform: policy ARNs attached to each role by aws_iam_role_policy_attachment
# (index built once: role address -> set of policy_arn values).
attached[role] contains arn if {
	lib.is_terraform
	some a in lib.resources("aws_iam_role_policy_attachment")
	some role in targets(a, ["properties", "role"], "aws_iam_role")
	arn := lib.get(a, ["properties", "policy_arn"])
}

# Terraform: aws_iam_role_policy_attachments_exclusive (role_name, policy_arns); a
# policy list that is unknown as a whole is kept as one unknown entry.
attached[role] contains arn if {
	lib.is_terraform
	some a in lib.resources("aws_iam_role_policy_attachments_exclusive")
	some role in targets(a, ["properties", "role_name"], "aws_iam_role")
	arns := lib.get(a, ["properties", "policy_arns"])
	some arn in exclusive_arns(arns)
}

exclusive_arns(v) := v if is_array(v)

exclusive_arns(v) := [v] if lib.is_unknown(v)

# The role's managed policy ARNs, inline and attached; undefined when the inline list
# is unknown.
policies(role) := arns if {
	inline := lib.get(role, ["properties", policies_attr])
	not lib.is_unknown(inline)
	arns := array.concat(as_list(inline), [p | some p in object.get(attached, role.address, set())])
}

as_list(v) := v if is_array(v)

as_list(null) := []

is_ssm(arn) if {
	is_string(arn)
	contains(arn, policy_name)
}

is_ssm(arn) if contains(lib.unknown_text(arn), policy_name)

# An unknown ARN that is visibly another AWS managed policy is not the SSM one.
maybe_ssm(arn) if is_ssm(arn)

maybe_ssm(arn) if {
	text := lib.unknown_text(arn)
	not contains(text, ":iam::aws:policy/")
}

# How the role stands: "ssm", "unknown" or "missing".
role_state(role) := "ssm" if {
	some p in policies(role)
	is_ssm(p)
} else := "unknown" if {
	not policies(role)
} else := "unknown" if {
	some p in policies(role)
	maybe_ssm(p)
} else := "missing"

# The profile's role entries, as a list (CloudFormation Roles is a list, Terraform role
# a single name).
role_entries(profile) := v if {
	v := lib.get(profile, ["properties", roles_attr])
	is_array(v)
} else := [v] if {
	v := lib.get(profile, ["properties", roles_attr])
	not is_array(v)
	v != null
} else := []

# The profile's roles, when every role of it is a resource of the unit.
profile_roles(profile) := roles if {
	entries := role_entries(profile)
	count(entries) > 0
	roles := targets(profile, ["properties", roles_attr], "aws_iam_role")
	count(roles) == count(entries)
}

instances := [r | some r in lib.resources("aws_instance")]

findings contains f if {
	some i in instances
	lib.get(i, ["properties", profile_attr]) == null
	f := lib.finding(i, ["properties", profile_attr], sprintf(
		"instance %s has no instance profile: the Systems Manager agent cannot register it, so it cannot be patched or managed",
		[i.address],
	))
}

findings contains f if {
	lib.is_cloudformation
	some i in instances
	some profile_addr in targets(i, ["properties", profile_attr], "aws_iam_instance_profile")
	count(targets(i, ["properties", profile_attr], "aws_iam_instance_profile")) == 1
	roles := profile_roles(input.resources[profile_addr])
	every role in roles {
		role_state(input.resources[role]) == "missing"
	}
	f := lib.finding(i, ["properties", profile_attr], sprintf(
		"instance %s uses instance profile %s whose role %s has no %s managed policy: Systems Manager cannot manage it",
		[i.address, profile_addr, concat(", ", sort(roles)), policy_name],
	))
}

findings contains f if {
	lib.is_terraform
	some i in instances
	some profile_addr in targets(i, ["properties", profile_attr], "aws_iam_instance_profile")
	count(targets(i, ["properties", profile_attr], "aws_iam_instance_profile")) == 1
	roles := profile_roles(input.resources[profile_addr])
	every role in roles {
		role_state(input.resources[role]) == "missing"
	}
	f := lib.finding(i, ["properties", profile_attr], sprintf(
		"instance %s uses instance profile %s whose role %s has neither an aws_iam_role_policy_attachment nor managed_policy_arns with %s: Systems Manager cannot manage it",
		[i.address, profile_addr, concat(", ", sort(roles)), policy_name],
	))
}
