"""The wireless design, read from the rendered prod configs (not the goldens): each site's share on
its pair and its backup pair only, N+1 failover to another pair, the guest SSID centrally switched and anchored to
the guest anchor in the DMZ (whose VLAN no site switch carries), mobility peering both ways, and
the device baseline on every WLC."""

from __future__ import annotations

import re

import pytest

from estate.build.device_configs import device_configs
from estate.build.device_model import Role, wlc_hostnames
from estate.build.render import Artifact, render_environment
from estate.build.wlc_pairs import choose_pair, pair_hostname
from estate.inventory.inventory import Inventory
from estate.inventory.models import GuestAnchor

ENV = "prod"
Sections = dict[str, list[str]]


def sections(text: str) -> Sections:
    """Top-level line -> its indented lines (stripped, nested ones flattened)."""
    found: Sections = {}
    head = ""
    for line in text.splitlines():
        if not line.strip() or line == "!":
            continue
        if line[0] != " ":
            head = line
            found.setdefault(head, [])
        elif head:
            found[head].append(line.strip())
    return found


@pytest.fixture(scope="module")
def anchor(sample_inventory: Inventory) -> GuestAnchor:
    found = sample_inventory.environment(ENV).wireless.guest_anchor
    assert found is not None, "the fixture's prod environment has a guest anchor"
    return found


@pytest.fixture(scope="module")
def wlc_configs(prod_artifacts: list[Artifact]) -> dict[str, str]:
    """Every WLC's whole config, as the device holds it (own part + its sites' shares)."""
    wlc = [a for a in prod_artifacts if a.role in {Role.WLC_GLOBAL, Role.WLC_SITE}]
    return {name: text for name, (_, text) in device_configs(wlc).items()}


def _site_shares(prod_artifacts: list[Artifact]) -> list[Artifact]:
    return [a for a in prod_artifacts if a.role is Role.WLC_SITE]


def test_prod_has_several_pairs_and_an_anchor(sample_inventory: Inventory, wlc_configs: dict[str, str]) -> None:
    # the checks below mean something only with more than one pair
    assert len(sample_inventory.environment(ENV).wireless.pairs) >= 2
    assert set(wlc_configs) == set(wlc_hostnames(sample_inventory, ENV))


def test_each_site_share_lands_on_its_pair_and_its_backup_pair_only(
    sample_inventory: Inventory, prod_artifacts: list[Artifact], wlc_configs: dict[str, str],
) -> None:
    """The backup pair holds the share too: APs failing over to it must find their site's tags
    and profiles there, or they join with default tags and broadcast nothing."""
    wireless = sample_inventory.environment(ENV).wireless
    shares = _site_shares(prod_artifacts)
    assert shares
    for share in shares:
        assert share.site_id is not None
        choice = choose_pair(share.site_id, wireless)
        assert choice.backup is not None
        expected = {pair_hostname(sample_inventory, ENV, unit) for unit in (choice.primary, choice.backup)}
        assert share.hostname in expected, share.relpath
        tag = f"wireless tag site ST-{share.site_id}\n"
        holders = {name for name, text in wlc_configs.items() if tag in text}
        assert holders == expected, f"{share.site_id}'s site tag is on {sorted(holders)}"
    # and each pair's own part names no site
    for artifact in prod_artifacts:
        if artifact.role is Role.WLC_GLOBAL:
            assert not re.search(r"MPS-\d{4}", artifact.text), artifact.relpath


def test_the_ap_profile_fails_over_to_another_pair(sample_inventory: Inventory, prod_artifacts: list[Artifact]) -> None:
    wireless = sample_inventory.environment(ENV).wireless
    addresses = {pair_hostname(sample_inventory, ENV, p): str(p.address) for p in wireless.pairs}
    for share in _site_shares(prod_artifacts):
        assert share.site_id is not None
        profile = sections(share.text)[f"ap profile AJP-{share.site_id}"]
        primary = next(line.split()[3:] for line in profile if line.startswith("capwap backup primary "))
        secondary = next(line.split()[3:] for line in profile if line.startswith("capwap backup secondary "))
        own = pair_hostname(sample_inventory, ENV, choose_pair(share.site_id, wireless).primary)
        assert primary == [own, addresses[own]], share.relpath
        assert secondary[0] in addresses, share.relpath
        assert secondary[0] != own, f"{share.site_id}: the backup pair is its own pair"
        assert secondary[1] == addresses[secondary[0]], share.relpath
        # the AP management user is set (placeholders only), and SSH only with it
        user = [line for line in profile if line.startswith("mgmtuser username ")]
        assert user == [f"mgmtuser username {user[0].split()[2]} password 0 ${{AP_MGMT_PASSWORD}} "
                        f"secret 0 ${{AP_MGMT_SECRET}}"], share.relpath
        assert "ssh" in profile


def test_a_single_pair_has_no_secondary(sample_inventory: Inventory) -> None:
    assert len(sample_inventory.environment("dev").wireless.pairs) == 1
    shares = [a for a in render_environment(sample_inventory, "dev") if a.role is Role.WLC_SITE]
    assert shares
    for share in shares:
        assert "capwap backup primary " in share.text
        assert "capwap backup secondary " not in share.text, share.relpath


def _guest(sample_inventory: Inventory) -> tuple[str, str]:
    ssid = next(s for s in sample_inventory.estate.ssids if s.guest)
    return ssid.name, f"PP-{ssid.name}"


def test_the_guest_ssid_is_centrally_switched_and_anchored_on_every_pair(
    sample_inventory: Inventory, prod_artifacts: list[Artifact], anchor: GuestAnchor,
) -> None:
    guest, profile = _guest(sample_inventory)
    pairs = [a for a in prod_artifacts if a.role is Role.WLC_GLOBAL and not a.hostname.endswith(anchor.name)]
    assert len(pairs) == len(sample_inventory.environment(ENV).wireless.pairs)
    for pair in pairs:
        config = sections(pair.text)
        policy = config[f"wireless profile policy {profile}"]
        assert f"mobility anchor {anchor.address} priority 1" in policy, pair.relpath
        assert "no central-switching" not in policy, pair.relpath
        assert "no central-dhcp" not in policy, pair.relpath
        assert not any(line.startswith("vlan ") for line in policy), pair.relpath
        wlan = next(lines for head, lines in config.items() if head.startswith(f"wlan {guest} "))
        assert "peer-blocking drop" in wlan, pair.relpath
        # the corporate SSIDs stay locally switched at the site
        for ssid in sample_inventory.estate.ssids:
            if not ssid.guest:
                assert "no central-switching" in config[f"wireless profile policy PP-{ssid.name}"]


def test_the_anchor_exports_the_guest_wlan_into_its_dmz_vlan(
    sample_inventory: Inventory, wlc_configs: dict[str, str], anchor: GuestAnchor,
) -> None:
    guest, profile = _guest(sample_inventory)
    text = wlc_configs[pair_hostname(sample_inventory, ENV, anchor)]
    config = sections(text)
    policy = config[f"wireless profile policy {profile}"]
    assert "mobility anchor" in policy
    assert f"vlan {anchor.vlan.name}" in policy
    assert config[f"vlan {anchor.vlan.id}"] == [f"name {anchor.vlan.name}"]
    # the same WLAN, with the same security, as on the pairs
    pair_text = wlc_configs[pair_hostname(sample_inventory, ENV, sample_inventory.environment(ENV).wireless.pairs[0])]
    head = next(h for h in config if h.startswith(f"wlan {guest} "))
    assert config[head] == sections(pair_text)[head]


def test_the_anchor_carries_no_site_vlan_and_no_site_object(
    sample_inventory: Inventory, wlc_configs: dict[str, str], anchor: GuestAnchor,
) -> None:
    config = sections(wlc_configs[pair_hostname(sample_inventory, ENV, anchor)])
    vlan_heads = [head for head in config if re.match(r"vlan \d+$", head)]
    assert vlan_heads == [f"vlan {anchor.vlan.id}"]
    site_names = {v.name for v in sample_inventory.estate.vlans}
    for lines in config.values():
        for line in lines:
            assert not (line.startswith(("vlan ", "vlan-name ")) and line.split()[1] in site_names), line
    assert not [head for head in config if head.startswith(("wireless profile flex", "wireless tag site", "ap "))]
    assert not any(head.startswith("wlan ") and not head.startswith(f"wlan {_guest(sample_inventory)[0]} ")
                   for head in config)


def test_no_site_switch_carries_the_dmz_vlan(prod_artifacts: list[Artifact], anchor: GuestAnchor) -> None:
    dmz_id = str(anchor.vlan.id)
    switches = [a for a in prod_artifacts if a.role in {Role.CORE, Role.ACCESS}]
    assert switches
    for switch in switches:
        config = sections(switch.text)
        assert f"vlan {dmz_id}" not in config, switch.relpath
        assert f"interface Vlan{dmz_id}" not in config, switch.relpath
        assert anchor.vlan.name not in switch.text, switch.relpath
        for lines in config.values():
            for line in lines:
                if line.startswith(("switchport trunk allowed vlan ", "switchport access vlan ")):
                    assert dmz_id not in _vlan_ids(line.rsplit(" ", 1)[1]), f"{switch.relpath}: {line}"


def _vlan_ids(listed: str) -> set[str]:
    ids: set[str] = set()
    for part in listed.split(","):
        first, _, last = part.partition("-")
        ids.update(str(i) for i in range(int(first), int(last or first) + 1))
    return ids


def test_sites_without_guest_do_not_broadcast_it(
    sample_inventory: Inventory, prod_artifacts: list[Artifact],
) -> None:
    guest, _ = _guest(sample_inventory)
    seen = set()
    for share in _site_shares(prod_artifacts):
        assert share.site_id is not None
        site = next(s for s in sample_inventory.env_sites(ENV) if s.site_id == share.site_id)
        tag = sections(share.text)[f"wireless tag policy PT-{share.site_id}"]
        broadcasts = any(line.startswith(f"wlan {guest} ") for line in tag)
        assert broadcasts == sample_inventory.has_guest(site), share.site_id
        seen.add(broadcasts)
    assert seen == {True, False}, "the fixture has sites with and without guest WiFi"


def test_mobility_group_members_both_ways(sample_inventory: Inventory, wlc_configs: dict[str, str]) -> None:
    wireless = sample_inventory.environment(ENV).wireless
    group = sample_inventory.estate.wireless.mobility_group
    units = [*wireless.pairs, *([wireless.guest_anchor] if wireless.guest_anchor else [])]
    for unit in units:
        config = sections(wlc_configs[pair_hostname(sample_inventory, ENV, unit)])
        assert f"wireless mobility group name {group}" in config
        assert f"wireless mobility mac-address {unit.mobility_mac}" in config
        members = {head for head in config if head.startswith("wireless mobility group member ")}
        assert members == {
            f"wireless mobility group member mac-address {peer.mobility_mac} ip {peer.address} group {group}"
            for peer in units if peer.name != unit.name
        }, unit.name


def test_every_wlc_has_the_device_baseline(sample_inventory: Inventory, wlc_configs: dict[str, str]) -> None:
    # managed in-band on the estate plan's management VLAN id
    interface = f"Vlan{sample_inventory.estate.vlan('management').id}"
    for hostname, text in wlc_configs.items():
        config = sections(text)
        assert f"hostname {hostname}" in config, hostname
        vty = [lines for head, lines in config.items() if head.startswith("line vty ")]
        assert vty, hostname
        assert all(any(re.match(r"access-class \S+ in", line) for line in lines) for lines in vty), hostname
        assert all("transport input ssh" in lines for lines in vty), hostname
        assert "ntp authenticate" in config, hostname
        assert any(h.startswith("ntp server ") and " key " in h for h in config), hostname
        groups = [head for head in config if head.startswith("snmp-server group ")]
        assert groups, hostname
        assert all(re.search(r" v3 priv access \S+$", head) for head in groups), hostname
        assert any(h.startswith("snmp-server enable traps") for h in config), hostname
        assert any(h.startswith("aaa authentication login default group ") for h in config), hostname
        assert any(h.startswith("tacacs server ") for h in config), hostname
        assert any(h.startswith("logging host ") for h in config), hostname
        assert any(h.startswith("banner login ") for h in config), hostname
        assert "archive" in config, hostname
        assert "no ip http server" in config, hostname
        assert f"wireless management interface {interface}" in config, hostname
        assert f"logging source-interface {interface}" in config, hostname
        assert f"ntp source {interface}" in config, hostname
