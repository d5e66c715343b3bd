# The unit's reference graph, indexed both ways. opsgate builds the indexes once per
# unit and passes them in the input (`input.indexes`), shared by every rule; an input
# without them (a policy test's own `with input as ...`) gets the same indexes built
# here, once per evaluation (package opsgate.graph_index).
package opsgate.graph

import data.opsgate.graph_index

# Edges that point at each address: edges_to[address] is the set of edges into it.
edges_to := x if {
	x := input.indexes.edges_to
} else := graph_index.edges_to

# Edges that leave each address.
edges_from := x if {
	x := input.indexes.edges_from
} else := graph_index.edges_from
