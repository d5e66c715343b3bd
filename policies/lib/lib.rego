# Helpers every policy meets: resources by kind, unknown values, truthy values,
# findings, configured parameters and references. Joins go through indexes built once
# per evaluation (data.opsgate.graph, data.opsgate.types), so a rule stays linear in the
# unit's size.
#
# This package holds functions and only cheap rules: regorus evaluates every rule of
# a package the first time any of them is referenced, so each index lives in its own
# package (graph, types, alarms) and is built only for the rules that use it.
package opsgate.lib


# The resources of one canonical kind, in address order.
resources(kind) := [input.resources[a] | some a in object.get(input.by_kind, kind, [])]

# A value opsgate could not know statically: {"$unknown": "<source text>"}.
is_unknown(v) if {
	is_object(v)
	is_string(v["$unknown"])
}

# The value at `path` below `obj`: the first unknown on the way if there is one
# (so callers stay silent), null when absent.
# Fast path: a value found at the full path has no unknown above it (an unknown is
# {"$unknown": ...}, which has no deeper keys), so the prefixes are only searched when
# nothing is found; the short paths most rules read (["properties", name]) are
# checked without building the list of prefixes.
get(obj, path) := v if {
	v := object.get(obj, path, null)
	v != null
} else := obj if {
	is_unknown(obj)
} else := null if {
	count(path) < 2
} else := v if {
	count(path) == 2
	v := object.get(obj, [path[0]], null)
	is_unknown(v)
} else := null if {
	count(path) == 2
} else := v if {
	v := first_unknown(obj, path)
}

first_unknown(obj, path) := unknowns[0] if {
	unknowns := [u |
		some i in numbers.range(0, count(path))
		u := object.get(obj, array.slice(path, 0, i), null)
		is_unknown(u)
	]
	count(unknowns) > 0
} else := null

# A known value is absent (null) — not unknown.
is_absent(v) if v == null

# CloudFormation accepts both true and "true" (any case) for booleans.
is_true(v) if v == true

is_true(v) if {
	is_string(v)
	lower(v) == "true"
}

is_false(v) if v == false

is_false(v) if {
	is_string(v)
	lower(v) == "false"
}

# A finding for resource `r` at `path` (a path into the resource object).
finding(r, path, message) := {"resource": r.address, "path": path, "message": message}

# Configured parameter `name` of rule `id`, or `fallback` when it is not configured.
# (`default` is a Rego keyword, so the fallback parameter cannot be named that.)
param(id, name, fallback) := object.get(data.opsgate.config, ["rules", id, name], fallback)

# Addresses that `addr` references (through any property; ordering-only
# dependencies, CloudFormation DependsOn and Terraform depends_on, excluded).
references(addr) := {e.to |
	some e in object.get(data.opsgate.graph.edges_from, addr, set())
	not e.via in {"DependsOn", "depends_on"}
}

# Resources of any of the canonical `kinds`, and those whose native `type` is in
# `types` (for native types that have no canonical kind, such as Custom::LogRetention),
# each once, in address order.
resources_of(kinds, types) := [input.resources[a] | some a in sort(addrs)] if {
	of_kind := {a | some k in kinds; some a in object.get(input.by_kind, k, [])}
	of_type := {a | some t in types; some a in object.get(data.opsgate.types.by_type, t, set())}
	addrs := of_kind | of_type
}

# A number, or a string that spells one ("30"), as a number: CloudFormation accepts
# both for numeric properties. Undefined for anything else (unknown values included).
as_number(v) := v if is_number(v)

as_number(v) := to_number(v) if {
	is_string(v)
	regex.match(`^-?[0-9]+(\.[0-9]+)?$`, v)
}

# A known value that holds nothing: absent (null), "", [] or {}. Unknown is not empty.
is_empty(v) if v == null

is_empty(v) if v == ""

is_empty(v) if v == []

is_empty(v) if v == {}

# The resources of one native type, in address order.
resources_of_type(t) := [input.resources[a] | some a in sort(object.get(data.opsgate.types.by_type, t, set()))]

# Path `path` starts with `prefix` (both arrays), e.g. an edge path below a property.
has_prefix(path, prefix) if {
	count(path) >= count(prefix)
	array.slice(path, 0, count(prefix)) == prefix
}

# The source text of an unknown value, or undefined for a known one.
unknown_text(v) := v["$unknown"] if is_unknown(v)

# Nanoseconds since the epoch of a "YYYY-MM-DD" date (UTC midnight); undefined when
# `s` is not such a string.
date_ns(s) := time.parse_ns("2006-01-02", s) if {
	is_string(s)
	regex.match(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`, s)
}

# Whole days from the scan date (data.opsgate.config.today) to date `s`: negative when
# `s` is in the past, 0 on the day itself; undefined when either date is malformed.
days_until(s) := floor((date_ns(s) - date_ns(data.opsgate.config.today)) / 86400000000000)

# The unit is Terraform configuration or a Terraform plan: properties have
# Terraform's names and nested blocks are lists of objects.
is_terraform if input.format in {"terraform", "terraform-plan"}

is_cloudformation if input.format == "cloudformation"

# Terraform: a resource's address inside its own module (`aws_lambda_function.this` for
# `module.jobs.aws_lambda_function.this`), as references to it are written in that
# module's source. The address itself outside Terraform and in the root module.
local_address(r) := substring(r.address, count(r.meta.module) + 1, -1) if {
	is_string(r.meta.module)
	r.meta.module != ""
	startswith(r.address, concat("", [r.meta.module, "."]))
} else := r.address

# Terraform: the local address of the block a count/for_each instance belongs to, as
# references to it are written (`aws_lambda_function.this` for
# `module.m["a"].aws_lambda_function.this[0]`); the local address otherwise.
local_block_address(r) := regex.replace(local_address(r), `\[("([^"\\]|\\.)*"|[0-9]+)\]`, "")

# The unit is a Terraform plan (`terraform show -json`).
is_plan if input.format == "terraform-plan"

# A reference in the configuration leads to `path` of the resource at `addr`: an edge
# from it at `path`, below it, or on the way to it (a whole block or list built from
# one expression).
referenced_at(addr, path) if {
	some e in object.get(data.opsgate.graph.edges_from, addr, set())
	not e.via in {"DependsOn", "depends_on"}
	paths_overlap(e.path, path)
}

paths_overlap(a, b) if has_prefix(a, b)

paths_overlap(a, b) if has_prefix(b, a)

# Terraform plan: the plan destroys the resource, to replace it (actions
# ["delete", "create"] or ["create", "delete"]). Resources the plan only deletes are
# not in the input.
replaced_by_plan(r) if {
	is_plan
	"delete" in object.get(r, ["meta", "actions"], [])
}

