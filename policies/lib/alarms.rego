# Alarm dimensions, indexed once per evaluation and only for the rules that import
# this package.
package opsgate.alarms

import data.opsgate.lib

# Every dimension of every metric alarm, plain and metric math: one slot per
# dimension, {"alarm", "name", "path", "value"}, with `name` null when it cannot be
# known (an unknown Dimensions list or dimensions map, or an unknown Name) and `path`
# where the value sits (edges from the alarm at or below it are its references).
# Rules that ask "does an alarm watch X" join on these (OPS-HLT-001/003/004/005).

# CloudFormation: Dimensions, and Metrics[*].MetricStat.Metric.Dimensions (metric math).
# Terraform: dimensions, and metric_query[*].metric[*].dimensions (metric math).
dimension_lists(a) := {["properties", "Dimensions"]} | {p |
	metrics := lib.get(a, ["properties", "Metrics"])
	is_array(metrics)
	some j, _ in metrics
	p := ["properties", "Metrics", j, "MetricStat", "Metric", "Dimensions"]
} if lib.is_cloudformation

dimension_lists(a) := {["properties", "dimensions"]} | {p |
	queries := lib.get(a, ["properties", "metric_query"])
	is_array(queries)
	some j, q in queries
	metric := lib.get(q, ["metric"])
	is_array(metric)
	some k, _ in metric
	p := ["properties", "metric_query", j, "metric", k, "dimensions"]
} if lib.is_terraform

# A whole list/map (or the Metrics/metric_query above it) that cannot be known.
dimension_slots contains {"alarm": a.address, "name": null, "path": p, "value": v} if {
	some a in lib.resources("aws_cloudwatch_metric_alarm")
	some p in dimension_lists(a)
	v := lib.get(a, p)
	lib.is_unknown(v)
}

dimension_slots contains {"alarm": a.address, "name": null, "path": p, "value": v} if {
	some a in lib.resources("aws_cloudwatch_metric_alarm")
	some p in [["properties", "Metrics"], ["properties", "metric_query"]]
	v := lib.get(a, p)
	lib.is_unknown(v)
}

# CloudFormation: a list of {Name, Value}.
dimension_slots contains {"alarm": a.address, "name": name, "path": array.concat(p, [i, "Value"]), "value": value} if {
	lib.is_cloudformation
	some a in lib.resources("aws_cloudwatch_metric_alarm")
	some p in dimension_lists(a)
	dims := lib.get(a, p)
	is_array(dims)
	some i, d in dims
	n := lib.get(d, ["Name"])
	name := dimension_name(n)
	value := lib.get(d, ["Value"])
}

# Terraform: a map of name = value.
dimension_slots contains {"alarm": a.address, "name": name, "path": array.concat(p, [name]), "value": value} if {
	lib.is_terraform
	some a in lib.resources("aws_cloudwatch_metric_alarm")
	some p in dimension_lists(a)
	dims := lib.get(a, p)
	is_object(dims)
	not lib.is_unknown(dims)
	some name, value in dims
}

dimension_name(n) := n if is_string(n)

dimension_name(n) := null if lib.is_unknown(n)
