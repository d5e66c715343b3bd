# Resources by native type (built once per evaluation, only when asked for).
package opsgate.types

# Addresses per native type (`Custom::LogRetention`, ...), for types that have no
# canonical kind; built once per evaluation like `by_kind`.
by_type[t] contains a if {
	some a, r in input.resources
	t := r.type
}
