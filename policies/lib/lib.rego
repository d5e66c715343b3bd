# Helpers every policy meets: resources by kind, unknown values, truthy values,
# findings, configured parameters and reverse references. Joins go through the
# indexes here (built once per evaluation), so a rule stays linear in the unit's size.
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
get(obj, path) := v if {
	unknowns := [u |
		some i in numbers.range(0, count(path))
		u := object.get(obj, array.slice(path, 0, i), null)
		is_unknown(u)
	]
	count(unknowns) > 0
	v := unknowns[0]
} else := object.get(obj, path, null)

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

# Edges that point at each address: edges_to[address] is the set of edges into it.
edges_to[to] contains e if {
	some e in input.edges
	to := e.to
}

# Edges that leave each address.
edges_from[from] contains e if {
	some e in input.edges
	from := e.from
}

# Addresses that `addr` references (through any property, DependsOn excluded).
references(addr) := {e.to |
	some e in object.get(edges_from, addr, set())
	e.via != "DependsOn"
}
