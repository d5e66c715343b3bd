# OPS-ORG-002: tag keys are spelled one way.
#
# Within a unit, two tag keys that differ only by case or separators (`CostCenter`,
# `cost-center`, `cost_center`, `Cost.Center`) are the same key spelled twice: cost
# reports, tag policies and ABAC conditions see two different keys. Keys are compared
# after lower-casing and removing the separators - _ . : / and spaces. For each group of
# variants the canonical spelling is the one used by the most resources, ties broken by
# the spelling that appears first in source order (file, line); every resource that
# uses another spelling is reported at that tag, ["tags", "<key>"].
#
# Tags are the resource's effective tags as the input gives them (CloudFormation Tags,
# SAM Tags and Globals, Terraform tags merged over the provider's default_tags).
# Unknown never fails: a resource whose tag set is unknown is skipped (it neither
# counts nor is reported).
#
# Terraform plan: the same checks on the planned values, where the provider has filled
# in its defaults; a block the configuration leaves out is an empty list, and a value
# known only after apply is unknown and stays silent. Tags are `tags_all`. Source order
# in a plan is the plan file's (resources sorted by address), so a tie between two
# spellings may be broken the other way than in the configuration.
package opsgate.rules.org_002

import data.opsgate.lib

metadata := {
	"id": "OPS-ORG-002",
	"title": "Tag keys are spelled one way",
	"severity": "low",
	"area": "Organization",
	"section": "Relationships and Ownership",
	"best_practice": "Resources have identified owners",
	"description": concat(" ", [
		"Tags identify owners, cost centres and environments only when everyone spells the",
		"keys the same way: `CostCenter` and `cost-center` are two different keys to Cost",
		"Explorer, tag policies and IAM conditions. Within a template or module, each tag",
		"key should have a single spelling.",
	]),
	"remediation": {
		"cloudformation": "Rename the tag key to the spelling the rest of the template uses (shown in the message).",
		"terraform": "Rename the key in `tags` (or in the provider's `default_tags`) to the spelling the rest of the module uses (shown in the message).",
	},
	"config_rule": null,
	"kinds": [],
	"formats": ["cloudformation", "terraform", "terraform-plan"],
}

# The comparison form of a key: lower case without separators.
norm(k) := regex.replace(lower(k), `[-_.:/ ]`, "")

# Known tag sets per address.
tag_keys[addr] := object.keys(r.tags) if {
	some addr, r in input.resources
	is_object(r.tags)
	not lib.is_unknown(r.tags)
}

# spellings_of[normalized] is the set of spellings of a normalized key.
spellings_of[n] contains k if {
	some _, keys in tag_keys
	some k in keys
	is_string(k)
	n := norm(k)
}

# users[spelling] is the set of addresses that use that spelling.
users[k] contains addr if {
	some addr, keys in tag_keys
	some k in keys
	is_string(k)
}

# uses[normalized][spelling] is the set of addresses that use that spelling.
uses[n] := {k: users[k] | some k in ks} if some n, ks in spellings_of

# The canonical spelling of each normalized key that has several spellings: most
# resources, then earliest in source order (file, line), then the spelling itself.
canonical[n] := k if {
	some n, spellings in uses
	count(spellings) > 1
	ranked := sort([[0 - count(addrs), first_use(addrs), sp] |
		some sp, addrs in spellings
	])
	k := ranked[0][2]
}

first_use(addrs) := min([[input.resources[a].file, input.resources[a].line] | some a in addrs])

findings contains f if {
	lib.is_cloudformation
	some f in variant_findings
}

findings contains f if {
	lib.is_terraform
	some f in variant_findings
}

variant_findings contains f if {
	some n, k in canonical
	some sp, addrs in uses[n]
	sp != k
	some addr in addrs
	r := input.resources[addr]
	f := lib.finding(r, ["tags", sp], sprintf(
		"%s tags %q, a variant of the tag key %q used by %d resource(s) in this unit: one key should be spelled one way",
		[addr, sp, k, count(uses[n][k])],
	))
}
