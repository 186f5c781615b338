"""Stack settings: every shipped stack parses; bad values are refused with the key named."""

from __future__ import annotations

import json

import pytest

from estate.cloud.settings import SettingsError, check_against_inventory, parse_settings, read_stack_config
from estate.inventory.inventory import Inventory
from tests.fixtures import FIXTURE_PROJECT


def config(env: str, **changes: dict[str, object]) -> dict[str, str]:
    values = read_stack_config(FIXTURE_PROJECT, env)
    for key, change in changes.items():
        document = json.loads(values[f"estate:{key}"])
        document.update(change)
        values[f"estate:{key}"] = json.dumps(document)
    return values


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_shipped_stacks_parse_and_match_inventory(env: str, sample_inventory: Inventory) -> None:
    values = read_stack_config(FIXTURE_PROJECT, env)
    settings = parse_settings(env, values)
    check_against_inventory(settings, sample_inventory)
    assert values["aws:region"] == "eu-west-2"
    # the stack can only ever be deployed into the environment's own account
    assert json.loads(values["aws:allowedAccountIds"]) == [sample_inventory.environment(env).aws_account]


@pytest.mark.parametrize(("env", "changes", "message"), [
    ("dev", {"network": {"azCount": 5}}, "estate:network.azCount: Input should be less than or equal to 3"),
    ("dev", {"voice": {"amiId": "ubuntu"}}, "estate:voice.amiId: String should match pattern"),
    ("dev", {"evidence": {"evidentialLockMode": "STRICT"}}, "estate:evidence.evidentialLockMode"),
    ("prod", {"evidence": {"evidentialLockMode": "GOVERNANCE"}},
     "estate:evidence.evidentialLockMode must be COMPLIANCE in prod"),
    ("dev", {"evidence": {"glacierAfterDays": 400}}, "deepArchiveAfterDays must come after"),
    ("dev", {"network": {"vpnHubs": [{"name": "hub-north", "publicIp": "10.1.1.1", "bgpAsn": 65000}]}},
     "estate:network.vpnHubs[0].publicIp: Value error, 10.1.1.1 is not a public address"),
    ("dev", {"voice": {"channelsPerSbcc": 10}}, "estate:voice.channelsPerSbcc: Extra inputs are not permitted"),
])
def test_bad_values_name_the_key(env: str, changes: dict[str, dict[str, object]], message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_settings(env, config(env, **changes))


def test_unknown_and_malformed_keys() -> None:
    values = read_stack_config(FIXTURE_PROJECT, "dev")
    with pytest.raises(SettingsError, match="estate:voise: unknown setting"):
        parse_settings("dev", {**values, "estate:voise": "{}"})
    with pytest.raises(SettingsError, match="estate:voice: expected a structured value"):
        parse_settings("dev", {**values, "estate:voice": "channelsPerSbc=3"})


def test_inventory_cross_checks(sample_inventory: Inventory) -> None:
    overlapping = parse_settings("dev", config("dev", network={"vpcCidr": "10.130.0.0/20"}))
    with pytest.raises(SettingsError, match=r"estate:network.vpcCidr: .* overlaps the sites' supernet"):
        check_against_inventory(overlapping, sample_inventory)
    unknown_hub = parse_settings("dev", config("dev", network={"vpnHubs": [
        {"name": "hub-mars", "publicIp": "198.51.100.9", "bgpAsn": 65000}]}))
    with pytest.raises(SettingsError, match="no site of dev uses hub 'hub-mars'"):
        check_against_inventory(unknown_hub, sample_inventory)


@pytest.mark.parametrize("key", ["estate:stack", "estate:aws"])
def test_reserved_names_are_not_settings(key: str) -> None:
    values = read_stack_config(FIXTURE_PROJECT, "dev")
    with pytest.raises(SettingsError, match=f"{key}: unknown setting"):
        parse_settings("dev", {**values, key: "{}"})


def test_every_bad_key_reported_at_once() -> None:
    values = config("dev", voice={"amiId": "ubuntu"}, network={"azCount": 9})
    with pytest.raises(SettingsError) as error:
        parse_settings("dev", {**values, "estate:voise": "{}", "aws:allowedAccountIds": "[1]"})
    keys = sorted(p.key for p in error.value.problems)
    assert keys == ["aws:allowedAccountIds[0]", "estate:network.azCount", "estate:voice.amiId", "estate:voise"]
