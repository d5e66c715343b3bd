# Resources by native type. opsgate builds the index once per unit and passes it in
# the input (`input.indexes.by_type`); an input without it gets it built here.
package opsgate.types

# Addresses per native type (`Custom::LogRetention`, ...), for types that have no
# canonical kind.
by_type := x if {
	x := input.indexes.by_type
} else := built

built[t] contains a if {
	some a, r in input.resources
	t := r.type
}
