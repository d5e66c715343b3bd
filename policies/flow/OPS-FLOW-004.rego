# OPS-FLOW-004: ECS containers run pinned images.
#
# Every container of an ECS task definition must name its image with a tag other than
# `latest`, or with a digest (`repo@sha256:...`, also `repo:tag@sha256:...`). An image
# without a tag is pulled as `latest`. The tag is read from the last path segment
# only, so a registry port (`registry.example.com:5000/app`) is not mistaken for a
# tag. Tags are case-sensitive in a registry; `latest` is matched exactly.
#
# CloudFormation: AWS::ECS::TaskDefinition ContainerDefinitions[*].Image.
# Terraform: aws_ecs_task_definition container_definitions, a JSON string (from
# jsonencode(...), a heredoc or a literal) that is decoded here; a string that does not
# decode is left alone. All containers share the container_definitions attribute, so
# there is one finding per task definition, at that attribute, naming every unpinned
# container.
#
# Unknown values never fail: an unknown container list, container, or image (an
# image built from a resource attribute, a parameter without a default, a variable
# without a value, `file(...)` of a path that is not known or outside the scan root,
# ...) is silent, even when its source text shows a tag. A file the configuration reads
# inside the scan root is known and checked.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent.
package opsgate.rules.flow_004

import data.opsgate.lib

metadata := {
	"id": "OPS-FLOW-004",
	"title": "ECS containers run pinned images",
	"severity": "medium",
	"area": "Prepare",
	"section": "Improve Flow",
	"best_practice": "Use build and deployment management systems",
	"description": concat(" ", [
		"A container image referenced as `latest` (or with no tag, which means `latest`)",
		"changes under a task definition without any deployment: a new task, a scale-out",
		"or a replaced host pulls whatever was pushed last, so two tasks of one revision",
		"can run different code, and a rollback to the previous revision does not bring",
		"the previous code back. Reference each image by an immutable tag produced by the",
		"build pipeline, or by its digest.",
	]),
	"remediation": {
		"cloudformation": concat(" ", [
			"Set each ContainerDefinitions[*].Image to `<repository>:<version tag>` (a tag",
			"your pipeline produces, with ECR tag immutability on) or `<repository>@sha256:<digest>`,",
			"for example from a parameter the pipeline sets.",
		]),
		"terraform": concat(" ", [
			"In container_definitions set each container's `image` to `<repository>:<version tag>`",
			"or `<repository>@sha256:<digest>`, for example from a variable the pipeline sets.",
		]),
	},
	"config_rule": null,
	"kinds": ["aws_ecs_task_definition"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

# The last path segment of an image reference (name[:tag][@digest]).
last_segment(img) := parts[count(parts) - 1] if parts := split(img, "/")

# Why a known image reference is not pinned; undefined when it is pinned.
unpinned(img) := sprintf("image %q has no tag, so it runs whatever `latest` is", [img]) if {
	seg := last_segment(img)
	not contains(seg, "@")
	not contains(seg, ":")
}

unpinned(img) := sprintf("image %q uses the `latest` tag", [img]) if {
	seg := last_segment(img)
	not contains(seg, "@")
	tag := regex.replace(seg, `^[^:]*:`, "")
	contains(seg, ":")
	tag == "latest"
}

container_name(c) := n if {
	n := c.Name
	is_string(n)
} else := n if {
	n := c.name
	is_string(n)
} else := "(unnamed)"

# CloudFormation.
findings contains f if {
	lib.is_cloudformation
	some r in lib.resources("aws_ecs_task_definition")
	defs := lib.get(r, ["properties", "ContainerDefinitions"])
	is_array(defs)
	some i, c in defs
	img := lib.get(c, ["Image"])
	is_string(img)
	why := unpinned(img)
	f := lib.finding(r, ["properties", "ContainerDefinitions", i, "Image"], sprintf(
		"container %s of task definition %s: %s", [container_name(c), r.address, why],
	))
}

# Terraform: container_definitions is a JSON string.
tf_defs(r) := defs if {
	s := lib.get(r, ["properties", "container_definitions"])
	is_string(s)
	json.is_valid(s)
	defs := json.unmarshal(s)
	is_array(defs)
}

# All containers of a task definition point at the one container_definitions
# attribute, so Terraform reports one finding per task definition that names every
# unpinned container (findings at one location are reported once).
tf_problems(r) := [sprintf("container %s: %s", [container_name(c), why]) |
	some c in tf_defs(r)
	is_object(c)
	img := lib.get(c, ["image"])
	is_string(img)
	why := unpinned(img)
]

findings contains f if {
	lib.is_terraform
	some r in lib.resources("aws_ecs_task_definition")
	problems := tf_problems(r)
	count(problems) > 0
	f := lib.finding(r, ["properties", "container_definitions"], sprintf(
		"task definition %s runs unpinned images: %s", [r.address, concat("; ", problems)],
	))
}
