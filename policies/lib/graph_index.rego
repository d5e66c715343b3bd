# The reference graph's indexes, built in Rego: for inputs that do not carry
# `input.indexes` (see package opsgate.graph, the one to import).
package opsgate.graph_index

edges_to[to] contains e if {
	some e in input.edges
	to := e.to
}

edges_from[from] contains e if {
	some e in input.edges
	from := e.from
}
