# Alarm dimensions by name, for the rules that ask "does an alarm watch X"
# (OPS-HLT-001/002/003/004/005): slots {"alarm", "name", "path", "value"}, as described in
# alarms_index.rego.
package opsgate.alarms

import data.opsgate.alarms_index
import data.opsgate.graph
import data.opsgate.lib

# Slots by dimension name, and the slots whose name cannot be known. opsgate builds
# them once per unit (input.indexes.alarm_slots, src/evaluate/indexes.rs); without
# them they are built in Rego (package opsgate.alarms_index).
slots_named := x if {
	x := input.indexes.alarm_slots.named
} else := alarms_index.slots_named

slots_unnamed := x if {
	x := input.indexes.alarm_slots.unnamed
} else := alarms_index.slots_unnamed

# Resources slot `s` references: an edge from its alarm at, below or above the slot's
# path (ordering-only dependencies excluded).
slot_targets(s) := {e.to |
	some e in object.get(graph.edges_from, s.alarm, set())
	not e.via in {"DependsOn", "depends_on"}
	lib.paths_overlap(e.path, s.path)
}
