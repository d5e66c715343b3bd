# Alarm dimensions, built in Rego: for inputs that do not carry
# `input.indexes.alarm_slots` (opsgate builds the same in src/evaluate/indexes.rs, once
# per unit). Import data.opsgate.alarms, not this.
package opsgate.alarms_index

import data.opsgate.lib

# Every dimension of every metric alarm, plain and metric math: one slot per
# dimension, {"alarm", "name", "path", "value"}, with `name` null when it cannot be
# known (an unknown Dimensions list or dimensions map, or an unknown Name) and `path`
# where the value sits (edges from the alarm at or below it are its references).
# Rules that ask "does an alarm watch X" join on these (OPS-HLT-001/003/004/005):
# slots_named[name] holds the slots of one dimension name, slots_unnamed those whose
# name cannot be known, so each rule reads only the slots it can use.

# A property of an alarm, as lib.get(a, ["properties", key]) gives it.
property(a, key) := a.properties if lib.is_unknown(a.properties) else := object.get(a.properties, key, null)

# Each dimension list of each alarm as [alarm, path, value], the alarm's properties
# read once. CloudFormation: Dimensions, and Metrics[*].MetricStat.Metric.Dimensions
# (metric math). Terraform: dimensions, and metric_query[*].metric[*].dimensions.
dimension_lists := [[a.address, p, v] |
	some a in lib.resources("aws_cloudwatch_metric_alarm")
	some [p, v] in lists_of(a)
]

lists_of(a) := array.concat([[["properties", "Dimensions"], property(a, "Dimensions")]], [[p, lib.get(a, p)] |
	metrics := property(a, "Metrics")
	is_array(metrics)
	some j, _ in metrics
	p := ["properties", "Metrics", j, "MetricStat", "Metric", "Dimensions"]
]) if lib.is_cloudformation

lists_of(a) := array.concat([[["properties", "dimensions"], property(a, "dimensions")]], [[p, lib.get(a, p)] |
	queries := property(a, "metric_query")
	is_array(queries)
	some j, q in queries
	metric := lib.get(q, ["metric"])
	is_array(metric)
	some k, _ in metric
	p := ["properties", "metric_query", j, "metric", k, "dimensions"]
]) if lib.is_terraform

slots_unnamed contains s if {
	some s in dimension_slots
	s.name == null
}

slots_named[s.name] contains s if {
	some s in dimension_slots
	is_string(s.name)
}

# A whole list/map (or the Metrics/metric_query above it) that cannot be known.
dimension_slots contains {"alarm": alarm, "name": null, "path": p, "value": v} if {
	some [alarm, p, v] in dimension_lists
	lib.is_unknown(v)
}

dimension_slots contains {"alarm": a.address, "name": null, "path": ["properties", key], "value": v} if {
	some a in lib.resources("aws_cloudwatch_metric_alarm")
	some key in ["Metrics", "metric_query"]
	v := property(a, key)
	lib.is_unknown(v)
}

# CloudFormation: a list of {Name, Value}.
dimension_slots contains {"alarm": alarm, "name": name, "path": array.concat(p, [i, "Value"]), "value": value} if {
	lib.is_cloudformation
	some [alarm, p, dims] in dimension_lists
	is_array(dims)
	some i, d in dims
	n := lib.get(d, ["Name"])
	name := dimension_name(n)
	value := lib.get(d, ["Value"])
}

# Terraform: a map of name = value.
dimension_slots contains {"alarm": alarm, "name": name, "path": array.concat(p, [name]), "value": value} if {
	lib.is_terraform
	some [alarm, p, dims] in dimension_lists
	is_object(dims)
	not lib.is_unknown(dims)
	some name, value in dims
}

dimension_name(n) := n if is_string(n)

dimension_name(n) := null if lib.is_unknown(n)
