# The unit's reference graph, indexed both ways (built once per evaluation, and only
# for the rules that import it).
package opsgate.graph

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
