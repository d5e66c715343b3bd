# OPS-EVO-004: CloudTrail trails deliver their events to CloudWatch Logs.
#
# AWS::CloudTrail::Trail: CloudWatchLogsLogGroupArn must be set (optional in the
# resource; without it the trail writes to S3 only). CloudTrail also needs
# CloudWatchLogsRoleArn, the role it assumes to write to the log group; a trail with
# the log group but no role is reported too, at the missing role, when the log group
# is certainly set: a literal, or a reference to a resource (Fn::GetAtt, Ref) outside
# any condition. An empty string counts as not set. Reported at the value when it is written, else at the missing
# property (the resource's name).
#
# Terraform (aws_cloudtrail): `cloud_watch_logs_group_arn` (optional, no default),
# with `cloud_watch_logs_role_arn` when the group is set. Absent is reported at the
# resource header. The value is usually a reference to an aws_cloudwatch_log_group
# (`"${aws_cloudwatch_log_group.x.arn}:*"`): a reference is unknown and passes; the
# rule does not check the `:*` suffix the provider docs ask for.
#
# Organization trails (IsOrganizationTrail / is_organization_trail) are checked the
# same way: an organization trail delivers every member account's events to the log
# group in the management account.
#
# Unknown never fails: a log group or role from a parameter without default, a
# resource reference (Fn::GetAtt, aws_cloudwatch_log_group.x.arn), a condition, an
# import or a variable without value is silent.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent.
package opsgate.rules.evo_004

import data.opsgate.lib

metadata := {
	"id": "OPS-EVO-004",
	"title": "Trails feed CloudWatch Logs",
	"severity": "medium",
	"area": "Evolve",
	"section": "Learn, Share, and Improve",
	"best_practice": "Perform post-incident analysis",
	"description": concat(" ", [
		"Trail logs in S3 are good for keeping, poor for looking: during and after an",
		"incident the team needs to search recent API activity quickly, alarm on it",
		"(metric filters on unauthorized calls, root logins, security group changes) and",
		"correlate it with the workload's own logs. A trail that delivers to a CloudWatch",
		"Logs group (CloudWatchLogsLogGroupArn with CloudWatchLogsRoleArn) makes that",
		"possible; without it the events are only in S3.",
	]),
	"remediation": {
		"cloudformation": "Set `CloudWatchLogsLogGroupArn: !GetAtt TrailLogGroup.Arn` and `CloudWatchLogsRoleArn` (a role CloudTrail can assume, allowed logs:CreateLogStream and logs:PutLogEvents on the group) on the AWS::CloudTrail::Trail, with an AWS::Logs::LogGroup that has a retention period.",
		"terraform": "Set `cloud_watch_logs_group_arn = \"${aws_cloudwatch_log_group.trail.arn}:*\"` and `cloud_watch_logs_role_arn` (a role cloudtrail.amazonaws.com can assume, allowed logs:CreateLogStream and logs:PutLogEvents) on the aws_cloudtrail.",
	},
	"config_rule": "cloud-trail-cloud-watch-logs-enabled",
	"kinds": ["aws_cloudtrail"],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

# A known value that names nothing: absent or empty.
missing(v) if lib.is_empty(v)

# The trail certainly names a log group: a known non-empty value, or a reference to a
# resource or data source (its ARN) that no condition can turn into nothing. A
# parameter or variable (which may be empty) or a conditional (Fn::If, `? :`, try,
# coalesce) is unknown, and the role is then not asked for.
names_group(t, attr) if {
	v := lib.get(t, ["properties", attr])
	not lib.is_unknown(v)
	not missing(v)
}

names_group(t, attr) if {
	v := lib.get(t, ["properties", attr])
	text := lib.unknown_text(v)
	lib.referenced_at(t.address, ["properties", attr])
	not regex.match(`Fn::If|!If\b|\?|\b(try|coalesce|lookup|one)\(`, text)
}

# CloudFormation: no log group.
findings contains f if {
	lib.is_cloudformation
	some t in lib.resources("aws_cloudtrail")
	path := ["properties", "CloudWatchLogsLogGroupArn"]
	missing(lib.get(t, path))
	msg := sprintf("trail %s has no CloudWatchLogsLogGroupArn, so its events reach S3 only and cannot be searched or alarmed on in CloudWatch Logs", [t.address])
	f := object.union(lib.finding(t, path, msg), {"fix": sprintf("Set CloudWatchLogsLogGroupArn and CloudWatchLogsRoleArn on %s.", [t.address])})
}

# CloudFormation: a log group but no role to write to it.
findings contains f if {
	lib.is_cloudformation
	some t in lib.resources("aws_cloudtrail")
	names_group(t, "CloudWatchLogsLogGroupArn")
	path := ["properties", "CloudWatchLogsRoleArn"]
	missing(lib.get(t, path))
	msg := sprintf("trail %s names a CloudWatch Logs group but no CloudWatchLogsRoleArn, so CloudTrail cannot deliver to it", [t.address])
	f := object.union(lib.finding(t, path, msg), {"fix": sprintf("Set CloudWatchLogsRoleArn on %s to a role CloudTrail can assume to write to the log group.", [t.address])})
}

# Terraform: no log group.
findings contains f if {
	lib.is_terraform
	some t in lib.resources("aws_cloudtrail")
	path := ["properties", "cloud_watch_logs_group_arn"]
	missing(lib.get(t, path))
	msg := sprintf("trail %s has no cloud_watch_logs_group_arn, so its events reach S3 only and cannot be searched or alarmed on in CloudWatch Logs", [t.address])
	f := object.union(lib.finding(t, path, msg), {"fix": sprintf("Set cloud_watch_logs_group_arn and cloud_watch_logs_role_arn on %s.", [t.address])})
}

# Terraform: a log group but no role.
findings contains f if {
	lib.is_terraform
	some t in lib.resources("aws_cloudtrail")
	names_group(t, "cloud_watch_logs_group_arn")
	path := ["properties", "cloud_watch_logs_role_arn"]
	missing(lib.get(t, path))
	msg := sprintf("trail %s names a CloudWatch Logs group but no cloud_watch_logs_role_arn, so CloudTrail cannot deliver to it", [t.address])
	f := object.union(lib.finding(t, path, msg), {"fix": sprintf("Set cloud_watch_logs_role_arn on %s to a role cloudtrail.amazonaws.com can assume to write to the log group.", [t.address])})
}
