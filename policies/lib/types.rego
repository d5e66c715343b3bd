# Resources by native type. opsgate builds the index once per unit and passes it in
# the input (`input.indexes.by_type`); an input without it gets it built in Rego
# (package opsgate.types_index).
package opsgate.types

import data.opsgate.types_index

# Addresses per native type (`Custom::LogRetention`, ...), for types that have no
# canonical kind.
by_type := x if {
	x := input.indexes.by_type
} else := types_index.by_type
