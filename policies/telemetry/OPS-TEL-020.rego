# OPS-TEL-020: every WAFv2 web ACL logs the requests it inspects.
#
# CloudFormation: an AWS::WAFv2::WebACL is covered by an AWS::WAFv2::LoggingConfiguration
# whose ResourceArn references it (`!GetAtt Acl.Arn`, `!Sub "${Acl.Arn}"`: an edge
# logging configuration -> ACL at ResourceArn). ResourceArn and LogDestinationConfigs
# are required properties, so a configuration that names the ACL logs it.
#
# Terraform: an aws_wafv2_web_acl is covered by an aws_wafv2_web_acl_logging_configuration
# whose `resource_arn` references it (`aws_wafv2_web_acl.x.arn`, also across local
# module boundaries).
#
# A logging configuration whose ResourceArn is a literal ARN logs a web ACL outside the
# unit and covers none of its ACLs. Unknown never fails: a logging configuration whose
# ResourceArn/resource_arn is unknown and references no web ACL of the unit (a
# parameter, a variable, `!ImportValue`, a data source) may log any of them, so the
# rule is silent for the whole unit.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent. Joins follow the edges from the
# configuration's references, as in Terraform configuration.
package opsgate.rules.tel_020

import data.opsgate.lib

metadata := {
	"id": "OPS-TEL-020",
	"title": "WAF web ACLs log requests",
	"severity": "low",
	"area": "Prepare",
	"section": "Design Telemetry",
	"best_practice": "Implement and configure workload telemetry",
	"description": concat(" ", [
		"WAF logs record each inspected request with the rule that matched and the action",
		"taken. Without them a blocked customer, a false positive of a managed rule group or",
		"an attack cannot be investigated: metrics and sampled requests only show counts and",
		"a small sample of the last three hours.",
	]),
	"remediation": {
		"cloudformation": "Add an AWS::WAFv2::LoggingConfiguration with `ResourceArn: !GetAtt <WebACL>.Arn` and `LogDestinationConfigs` naming a CloudWatch Logs log group, S3 bucket or Firehose stream whose name starts with `aws-waf-logs-`.",
		"terraform": "Add an aws_wafv2_web_acl_logging_configuration with `resource_arn = aws_wafv2_web_acl.<name>.arn` and `log_destination_configs` naming a destination whose name starts with `aws-waf-logs-`.",
	},
	"config_rule": "wafv2-logging-enabled",
	"kinds": ["aws_wafv2_web_acl", "aws_wafv2_web_acl_logging_configuration"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

arn_path := ["properties", "ResourceArn"] if lib.is_cloudformation

arn_path := ["properties", "resource_arn"] if lib.is_terraform

# ACLs that a logging configuration references at its ResourceArn.
logged contains e.to if {
	some e in input.edges
	not e.via in {"DependsOn", "depends_on"}
	lib.has_prefix(e.path, arn_path)
	input.resources[e.from].kind == "aws_wafv2_web_acl_logging_configuration"
	input.resources[e.to].kind == "aws_wafv2_web_acl"
}

traced contains e.from if {
	some e in input.edges
	not e.via in {"DependsOn", "depends_on"}
	lib.has_prefix(e.path, arn_path)
	input.resources[e.to].kind == "aws_wafv2_web_acl"
}

untraceable_logging if {
	some l in lib.resources("aws_wafv2_web_acl_logging_configuration")
	lib.is_unknown(lib.get(l, arn_path))
	not traced[l.address]
}

findings contains f if {
	lib.is_cloudformation
	not untraceable_logging
	some acl in lib.resources("aws_wafv2_web_acl")
	not logged[acl.address]
	msg := sprintf("web ACL %s has no AWS::WAFv2::LoggingConfiguration whose ResourceArn references it, so the requests it inspects are not logged", [acl.address])
	fix := sprintf("add an AWS::WAFv2::LoggingConfiguration with ResourceArn: !GetAtt %s.Arn and a log destination named aws-waf-logs-*", [acl.address])
	f := object.union(lib.finding(acl, [], msg), {"fix": fix})
}

findings contains f if {
	lib.is_terraform
	not untraceable_logging
	some acl in lib.resources("aws_wafv2_web_acl")
	not logged[acl.address]
	msg := sprintf("web ACL %s has no aws_wafv2_web_acl_logging_configuration whose resource_arn references it, so the requests it inspects are not logged", [acl.address])
	fix := sprintf("add an aws_wafv2_web_acl_logging_configuration with resource_arn = %s.arn and a log destination named aws-waf-logs-*", [lib.local_address(acl)])
	f := object.union(lib.finding(acl, [], msg), {"fix": fix})
}
