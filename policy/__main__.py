"""The estate policy pack: `pulumi preview --policy-pack policy/`. The rules live in
`estate.cloud.policy_rules` so tests and `estate plan` run the very same functions."""

from pulumi_policy import EnforcementLevel, PolicyPack

from estate.cloud.policy_pack import policies

PolicyPack(name="estate-policies", enforcement_level=EnforcementLevel.MANDATORY, policies=policies())
