# Resources by native type, built in Rego: for inputs that do not carry
# `input.indexes.by_type`. Import data.opsgate.types, not this.
package opsgate.types_index

by_type[t] contains a if {
	some a, r in input.resources
	t := r.type
}
