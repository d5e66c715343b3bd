# OPS-TEL-015: Application and Classic Load Balancers, and Network Load Balancers with a
# TLS listener, write access logs.
#
# CloudFormation AWS::ElasticLoadBalancingV2::LoadBalancer: `LoadBalancerAttributes` is a
# list of {Key, Value} strings; the key `access_logs.s3.enabled` must be "true" (default
# "false"). AWS::ElasticLoadBalancing::LoadBalancer (classic): `AccessLoggingPolicy`
# with `Enabled` (Boolean, required in the policy) true.
# Terraform aws_lb / aws_alb: `access_logs { bucket = ..., enabled = true }` — the
# provider's `enabled` defaults to false, even when a bucket is given, so a block
# without `enabled = true` is reported at the block. aws_elb: `access_logs { bucket }`,
# whose `enabled` defaults to true; only `enabled = false` or a missing block fails.
#
# Load balancer types: access logs are a feature of Application Load Balancers (and
# classic ones), and of Network Load Balancers for their TLS listeners ("Access logs
# for your Network Load Balancer": logs are created only for TLS listeners). Gateway
# Load Balancers have no access logs. So a network load balancer is checked when a
# listener of the unit with protocol TLS references it (`LoadBalancerArn` /
# `load_balancer_arn`: an edge to it); one with only TCP/UDP listeners, or whose
# listeners' protocol is unknown, is skipped, and so is `Type` / `load_balancer_type`
# "gateway" (the default type is "application"). The AWS Config rule
# elb-logging-enabled checks application and classic load balancers only.
#
# Unknown never fails: an unknown Type, LoadBalancerAttributes list (or an unknown
# element in it, e.g. an Fn::If), value, AccessLoggingPolicy, block (dynamic) or
# `enabled` is silent. A missing setting is reported at the deepest part of its path that
# exists (the attribute list, or the resource name / header), a false one at its value.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent. An access_logs block the
# configuration leaves out (planned as an empty list) is read as no block.
package opsgate.rules.tel_015

import data.opsgate.graph
import data.opsgate.lib

metadata := {
	"id": "OPS-TEL-015",
	"title": "Load balancers write access logs",
	"severity": "medium",
	"area": "Prepare",
	"section": "Design Telemetry",
	"best_practice": "Implement and configure workload telemetry",
	"description": concat(" ", [
		"Load balancer access logs record every request with its client, target, status codes",
		"from the load balancer and from the target, and the time spent in each leg. They show",
		"which requests failed and where the latency came from when the targets' own logs are",
		"silent (timeouts, rejected connections, 5xx from the load balancer itself). They are",
		"off by default.",
	]),
	"remediation": {
		"cloudformation": "Add `LoadBalancerAttributes: [{Key: access_logs.s3.enabled, Value: \"true\"}, {Key: access_logs.s3.bucket, Value: <bucket>}]` to the AWS::ElasticLoadBalancingV2::LoadBalancer, or `AccessLoggingPolicy: {Enabled: true, S3BucketName: <bucket>}` to a classic AWS::ElasticLoadBalancing::LoadBalancer; the bucket policy must allow log delivery.",
		"terraform": "Add `access_logs { bucket = aws_s3_bucket.lb_logs.id, enabled = true }` to the aws_lb / aws_alb (enabled defaults to false), or an `access_logs { bucket = ... }` block to the aws_elb; the bucket policy must allow log delivery.",
	},
	"config_rule": "elb-logging-enabled",
	"kinds": ["aws_lb", "aws_alb", "aws_elb", "aws_lb_listener"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

key := "access_logs.s3.enabled"

# ELBv2 in CloudFormation: application load balancers (Type absent = application) and
# network load balancers with a TLS listener.
findings contains f if {
	lib.is_cloudformation
	some r in lib.resources("aws_lb")
	logs_requests(r, lib.get(r, ["properties", "Type"]))
	attrs := lib.get(r, ["properties", "LoadBalancerAttributes"])
	not lib.is_unknown(attrs)
	not attrs_unknown(attrs)
	some f in cfn_v2_findings(r, attrs)
}

application(null) := true

application("application") := true

# A load balancer of this type writes access logs: an application one, or a network
# one that a TLS listener of the unit references.
logs_requests(_, type) if application(type)

logs_requests(r, "network") if r.address in tls_listened

# The property of a listener that names its load balancer, and its protocol.
listener_lb := "LoadBalancerArn" if lib.is_cloudformation

listener_lb := "load_balancer_arn" if lib.is_terraform

listener_protocol := "Protocol" if lib.is_cloudformation

listener_protocol := "protocol" if lib.is_terraform

# Load balancers with a TLS listener (joined along the listener's reference).
tls_listened contains e.to if {
	some l in lib.resources("aws_lb_listener")
	protocol := lib.get(l, ["properties", listener_protocol])
	is_string(protocol)
	upper(protocol) == "TLS"
	some e in object.get(graph.edges_from, l.address, set())
	lib.has_prefix(e.path, ["properties", listener_lb])
}

attrs_unknown(attrs) if {
	is_array(attrs)
	some a in attrs
	not known_attr(a)
}

known_attr(a) if {
	is_object(a)
	not lib.is_unknown(a)
	not lib.is_unknown(object.get(a, "Key", null))
}

# The key is not in the list (or there is no list).
cfn_v2_findings(r, attrs) := {f} if {
	not has_key(attrs)
	msg := sprintf("load balancer %s does not set the attribute %s, so access logs are off (the default is \"false\")", [r.address, key])
	f := object.union(lib.finding(r, ["properties", "LoadBalancerAttributes"], msg), {"fix": "add {Key: access_logs.s3.enabled, Value: \"true\"} with an access_logs.s3.bucket"})
}

# The key is set to something other than true.
cfn_v2_findings(r, attrs) := {f |
	some i, a in attrs
	a.Key == key
	v := object.get(a, "Value", null)
	not lib.is_unknown(v)
	not lib.is_true(v)
	msg := sprintf("load balancer %s has %s = %v, so access logs are off", [r.address, key, v])
	f := object.union(lib.finding(r, ["properties", "LoadBalancerAttributes", i, "Value"], msg), {"fix": "set access_logs.s3.enabled to \"true\""})
} if has_key(attrs)

has_key(attrs) if {
	is_array(attrs)
	some a in attrs
	a.Key == key
}

# Classic load balancers in CloudFormation.
findings contains f if {
	lib.is_cloudformation
	some r in lib.resources("aws_elb")
	path := ["properties", "AccessLoggingPolicy", "Enabled"]
	v := lib.get(r, path)
	not lib.is_unknown(v)
	not lib.is_true(v)
	msg := classic_message(r, v, "AccessLoggingPolicy.Enabled")
	f := object.union(lib.finding(r, path, msg), {"fix": "add AccessLoggingPolicy with Enabled: true and an S3BucketName"})
}

# The access_logs block list, null when there is none: a plan writes a block the
# configuration leaves out as an empty list.
tf_block(r) := null if lib.get(r, ["properties", "access_logs"]) == []

else := lib.get(r, ["properties", "access_logs"])

# aws_lb / aws_alb: access_logs { enabled = true } (enabled defaults to false).
findings contains f if {
	lib.is_terraform
	some r in lib.resources_of(["aws_lb", "aws_alb"], [])
	logs_requests(r, lib.get(r, ["properties", "load_balancer_type"]))
	block := tf_block(r)
	not lib.is_unknown(block)
	some f in tf_v2_findings(r, block)
}

tf_v2_findings(r, null) := {f} if {
	msg := sprintf("load balancer %s has no access_logs block, so access logs are off", [r.address])
	f := object.union(lib.finding(r, ["properties", "access_logs"], msg), {"fix": "add access_logs { bucket = ..., enabled = true }"})
}

tf_v2_findings(r, block) := {f |
	path := ["properties", "access_logs", 0, "enabled"]
	v := lib.get(r, path)
	not lib.is_unknown(v)
	not lib.is_true(v)
	msg := tf_v2_message(r, v)
	f := object.union(lib.finding(r, path, msg), {"fix": "set enabled = true in the access_logs block"})
} if block != null

tf_v2_message(r, null) := sprintf("load balancer %s has an access_logs block without enabled = true; the provider default is false, so access logs are off", [r.address])

tf_v2_message(r, v) := sprintf("load balancer %s has access_logs enabled = %v, so access logs are off", [r.address, v]) if v != null

# aws_elb: access_logs {} (enabled defaults to true).
findings contains f if {
	lib.is_terraform
	some r in lib.resources("aws_elb")
	block := tf_block(r)
	not lib.is_unknown(block)
	some f in tf_classic_findings(r, block)
}

tf_classic_findings(r, null) := {f} if {
	msg := sprintf("classic load balancer %s has no access_logs block, so access logs are off", [r.address])
	f := object.union(lib.finding(r, ["properties", "access_logs"], msg), {"fix": "add access_logs { bucket = ... }"})
}

tf_classic_findings(r, block) := {f |
	path := ["properties", "access_logs", 0, "enabled"]
	v := lib.get(r, path)
	not lib.is_unknown(v)
	lib.is_false(v)
	msg := sprintf("classic load balancer %s has access_logs enabled = false, so access logs are off", [r.address])
	f := object.union(lib.finding(r, path, msg), {"fix": "remove enabled = false from the access_logs block"})
} if block != null

classic_message(r, null, what) := sprintf("classic load balancer %s does not set %s, so access logs are off", [r.address, what])

classic_message(r, v, what) := sprintf("classic load balancer %s has %s %v, so access logs are off", [r.address, what, v]) if v != null
