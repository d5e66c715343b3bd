# OPS-FLOW-002: managed database, cache, broker and replication engines take engine
# version upgrades: minor versions (patches) for all of them, and for Redshift, whose
# AllowVersionUpgrade governs major versions too (the AWS Config catalogue: "NON_COMPLIANT
# if the automatic upgrades to major version is disabled"), every version.
#
# Checked, with the property that turns automatic minor version upgrades off and what
# an absent property means (a default of true: absent passes; false: absent fails):
#
#   kind                               CloudFormation                      Terraform
#   aws_db_instance                    AutoMinorVersionUpgrade (true)      auto_minor_version_upgrade (true)
#   aws_rds_cluster_instance           -                                   auto_minor_version_upgrade (true)
#   aws_rds_cluster                    AutoMinorVersionUpgrade (true)      auto_minor_version_upgrade (true)
#   aws_elasticache_cluster            AutoMinorVersionUpgrade (true)      auto_minor_version_upgrade (true; a string "true"/"false")
#   aws_elasticache_replication_group  AutoMinorVersionUpgrade (true)      auto_minor_version_upgrade (true)
#   aws_mq_broker                      AutoMinorVersionUpgrade (true)      auto_minor_version_upgrade (FALSE)
#   aws_dms_replication_instance       AutoMinorVersionUpgrade (true)      auto_minor_version_upgrade (FALSE)
#   aws_redshift_cluster               AllowVersionUpgrade (true)          allow_version_upgrade (true)
#
# CloudFormation passes an absent property on to the service API, whose default is true
# for all of these (Amazon MQ CreateBroker: "Set to true by default, if no value is
# specified"; DMS CreateReplicationInstance: "Default: true"). The Terraform provider
# does not: aws_mq_broker declares `Default: false`, and aws_dms_replication_instance
# (documented "Default: false") sends false on create when the argument is not set.
# So in Terraform a broker or replication instance without the argument fails, with a
# finding at the resource header.
#
# On an RDS DB cluster the property applies to Multi-AZ DB clusters (and, in the API,
# Aurora); an explicit false is reported on any cluster. A value of false is reported
# whatever the engine: ElastiCache Memcached and old Redis versions ignore it, but the
# template still states the intent not to patch.
#
# Unknown values never fail: a value from a parameter without a default, a condition, a
# variable without a value or another resource leaves the resource silent.
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent.
package opsgate.rules.flow_002

import data.opsgate.lib

metadata := {
	"id": "OPS-FLOW-002",
	"title": "Managed engines take engine version upgrades",
	"severity": "medium",
	"area": "Prepare",
	"section": "Improve Flow",
	"best_practice": "Perform patch management",
	"description": concat(" ", [
		"Managed databases, caches, message brokers and DMS replication instances receive",
		"engine security fixes and bug fixes as minor versions. With automatic minor",
		"version upgrades off, nobody applies them until someone remembers to, and the",
		"engine drifts out of support. Let the service apply minor versions in the",
		"maintenance window (and test them in a lower environment first), so patching is",
		"routine rather than an emergency. Covers RDS instances and clusters, ElastiCache",
		"clusters and replication groups, Amazon MQ brokers, DMS replication instances",
		"and Redshift clusters (AllowVersionUpgrade, which covers major versions too).",
		"Matching AWS Config rules:",
		"rds-automatic-minor-version-upgrade-enabled, rds-cluster-auto-minor-version-upgrade-enable,",
		"elasticache-auto-minor-version-upgrade-check, mq-auto-minor-version-upgrade-enabled,",
		"dms-auto-minor-version-upgrade-check and redshift-cluster-maintenancesettings-check.",
	]),
	"remediation": {
		"cloudformation": concat(" ", [
			"Remove `AutoMinorVersionUpgrade: false` (the default is true) or set it to true;",
			"on Redshift clusters remove `AllowVersionUpgrade: false`. Choose a",
			"PreferredMaintenanceWindow that suits the workload.",
		]),
		"terraform": concat(" ", [
			"Set `auto_minor_version_upgrade = true` (required explicitly on aws_mq_broker and",
			"aws_dms_replication_instance, whose provider default is false), or remove",
			"`allow_version_upgrade = false` on aws_redshift_cluster.",
		]),
	},
	"config_rule": "rds-automatic-minor-version-upgrade-enabled",
	"kinds": [
		"aws_db_instance", "aws_rds_cluster_instance", "aws_rds_cluster",
		"aws_elasticache_cluster", "aws_elasticache_replication_group", "aws_mq_broker",
		"aws_dms_replication_instance", "aws_redshift_cluster",
	],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

# kind -> [noun, CloudFormation property, Terraform attribute, Terraform absent fails]
engines := {
	"aws_db_instance": ["RDS DB instance", "AutoMinorVersionUpgrade", "auto_minor_version_upgrade", false],
	"aws_rds_cluster_instance": ["RDS cluster instance", "AutoMinorVersionUpgrade", "auto_minor_version_upgrade", false],
	"aws_rds_cluster": ["RDS DB cluster", "AutoMinorVersionUpgrade", "auto_minor_version_upgrade", false],
	"aws_elasticache_cluster": ["ElastiCache cluster", "AutoMinorVersionUpgrade", "auto_minor_version_upgrade", false],
	"aws_elasticache_replication_group": ["ElastiCache replication group", "AutoMinorVersionUpgrade", "auto_minor_version_upgrade", false],
	"aws_mq_broker": ["Amazon MQ broker", "AutoMinorVersionUpgrade", "auto_minor_version_upgrade", true],
	"aws_dms_replication_instance": ["DMS replication instance", "AutoMinorVersionUpgrade", "auto_minor_version_upgrade", true],
	"aws_redshift_cluster": ["Redshift cluster", "AllowVersionUpgrade", "allow_version_upgrade", false],
}

# What the setting stops. Redshift's AllowVersionUpgrade covers every new cluster
# version (patches included) that the maintenance track brings.
effect(kind) := "it is not moved to new cluster versions (patches included) in its maintenance window" if {
	kind == "aws_redshift_cluster"
} else := "it does not take minor version patches in its maintenance window"

findings contains f if {
	lib.is_cloudformation
	some kind, e in engines
	some r in lib.resources(kind)
	path := ["properties", e[1]]
	lib.is_false(lib.get(r, path))
	f := lib.finding(r, path, sprintf(
		"%s %s has %s false: %s",
		[e[0], r.address, e[1], effect(kind)],
	))
}

findings contains f if {
	lib.is_terraform
	some kind, e in engines
	some r in lib.resources(kind)
	path := ["properties", e[2]]
	lib.is_false(lib.get(r, path))
	f := lib.finding(r, path, sprintf(
		"%s %s has %s = false: %s",
		[e[0], r.address, e[2], effect(kind)],
	))
}

findings contains f if {
	lib.is_terraform
	some kind, e in engines
	e[3]
	some r in lib.resources(kind)
	path := ["properties", e[2]]
	lib.get(r, path) == null
	f := lib.finding(r, path, sprintf(
		"%s %s does not set %s, which defaults to false in the Terraform provider: %s",
		[e[0], r.address, e[2], effect(kind)],
	))
}
