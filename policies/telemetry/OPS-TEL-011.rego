# OPS-TEL-011: every EKS cluster sends its api and audit control plane logs to CloudWatch.
#
# AWS::EKS::Cluster: Logging.ClusterLogging.EnabledTypes is a list of {Type}; Type allowed
# values api | audit | authenticator | controllerManager | scheduler (case-sensitive).
# Without it no control plane log type is exported (EKS default: all types disabled).
#
# Terraform (aws_eks_cluster): `enabled_cluster_log_types`, a list of the same strings;
# optional, nothing is exported without it.
#
# The required types are a parameter (`required_log_types`, default ["api", "audit"]):
# api shows what was asked of the Kubernetes API server, audit who asked for it. A
# cluster fails when a required type is missing; the finding names the missing types
# and points at the list (or, when it is missing, at Logging / the resource header).
#
# Unknown never fails: an unknown Logging/ClusterLogging/EnabledTypes or
# enabled_cluster_log_types (parameter, condition, variable without default), or an
# unknown entry or Type in the list (it might be a missing type), is silent.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent.
package opsgate.rules.tel_011

import data.opsgate.lib

metadata := {
	"id": "OPS-TEL-011",
	"title": "EKS control plane logs api and audit",
	"severity": "medium",
	"area": "Prepare",
	"section": "Design Telemetry",
	"best_practice": "Implement and configure workload telemetry",
	"description": concat(" ", [
		"The EKS control plane runs in an AWS account the cluster owner cannot see into: its",
		"logs exist only if the cluster exports them to CloudWatch Logs, and by default it",
		"exports none. The api log shows the requests the Kubernetes API server handled and",
		"the audit log who made each change, which is what an operator needs to explain a",
		"failed deployment, a throttled controller or an unexpected change. The AWS Config",
		"rule eks-cluster-log-enabled with `logTypes=api,audit` checks the same",
		"(eks-cluster-logging-enabled demands all five types).",
	]),
	"remediation": {
		"cloudformation": "Set `Logging: {ClusterLogging: {EnabledTypes: [{Type: api}, {Type: audit}]}}` on the AWS::EKS::Cluster (add authenticator, controllerManager and scheduler as needed).",
		"terraform": "Set `enabled_cluster_log_types = [\"api\", \"audit\"]` on the aws_eks_cluster (add \"authenticator\", \"controllerManager\", \"scheduler\" as needed), and manage the `/aws/eks/<name>/cluster` log group with a retention.",
	},
	"config_rule": "eks-cluster-log-enabled",
	"kinds": ["aws_eks_cluster"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
	"parameters": {"required_log_types": ["api", "audit"]},
}

required := {t | some t in lib.param(metadata.id, "required_log_types", metadata.parameters.required_log_types)}

# ---------------------------------------------------------------- CloudFormation

cfn_path := ["properties", "Logging", "ClusterLogging", "EnabledTypes"]

findings contains f if {
	lib.is_cloudformation
	some c in lib.resources("aws_eks_cluster")
	entries := lib.get(c, cfn_path)
	not lib.is_unknown(entries)
	not cfn_any_unknown(entries)
	enabled := {t | some e in as_list(entries); t := e.Type}
	missing := required - enabled
	count(missing) > 0
	f := object.union(lib.finding(c, cfn_path, message(c, "Logging.ClusterLogging.EnabledTypes", entries, missing)), {"fix": sprintf("add %s to Logging.ClusterLogging.EnabledTypes", [concat(", ", [sprintf("{Type: %s}", [t]) | some t in sort(missing)])])})
}

cfn_any_unknown(entries) if {
	some e in as_list(entries)
	lib.is_unknown(e)
}

cfn_any_unknown(entries) if {
	some e in as_list(entries)
	lib.is_unknown(lib.get(e, ["Type"]))
}

# ---------------------------------------------------------------- Terraform

findings contains f if {
	lib.is_terraform
	some c in lib.resources("aws_eks_cluster")
	path := ["properties", "enabled_cluster_log_types"]
	types := lib.get(c, path)
	not lib.is_unknown(types)
	not tf_any_unknown(types)
	enabled := {t | some t in as_list(types)}
	missing := required - enabled
	count(missing) > 0
	f := object.union(lib.finding(c, path, message(c, "enabled_cluster_log_types", types, missing)), {"fix": sprintf("add %s to enabled_cluster_log_types", [concat(", ", [sprintf("%q", [t]) | some t in sort(missing)])])})
}

tf_any_unknown(types) if {
	some t in as_list(types)
	lib.is_unknown(t)
}

# ---------------------------------------------------------------- shared

as_list(v) := v if is_array(v)

as_list(v) := [] if not is_array(v)

message(c, what, null, missing) := sprintf("EKS cluster %s sets no %s, so the control plane exports no logs (missing %s)", [c.address, what, concat(", ", sort(missing))])

message(c, what, v, missing) := sprintf("EKS cluster %s does not export the %s control plane log%s in %s", [c.address, concat(" and ", sort(missing)), plural(missing), what]) if v != null

plural(s) := "s" if count(s) > 1

plural(s) := "" if count(s) <= 1
