"""Port profiles (estate.build.ports) and PoE-aware dealing (estate.build.device_model): the
decisions a port's configuration is printed from."""

from __future__ import annotations

import dataclasses

import pytest

from estate.build.capacity import CapacitySettings, priority_kbps, site_capacity
from estate.build.device_model import PortKind, SiteModel, build_site
from estate.build.poe import draw, port_draw, port_max, usable_budget
from estate.build.ports import (
    AP_POLICY,
    HostMode,
    Mode,
    SiteProfiles,
    critical_template,
    user_policy_name,
)
from estate.build.render import render_environment
from estate.build.render_context import env_views, port_profiles, switch_contexts
from estate.inventory.inventory import Inventory
from estate.inventory.models import EdgePort, EstateFile, HostRule, SwitchModel, VlanDef, VlanRole

ENV = "dev"
FABRIC = {PortKind.UPLINK, PortKind.DOWNLINK, PortKind.WAN, PortKind.UNUSED}
STATION = "MPS-0004"  # a police station: a C9300 core with user ports and three access switches


def _with_estate(inventory: Inventory, **changes: object) -> Inventory:
    return dataclasses.replace(inventory, estate=inventory.estate.model_copy(update=changes))


def _model(inventory: Inventory, site_id: str = STATION) -> SiteModel:
    return build_site(inventory, ENV, inventory.sites[site_id])


def _profiles(inventory: Inventory, site_id: str = STATION) -> SiteProfiles:
    return port_profiles(inventory, _model(inventory, site_id))


def _printer_vlan_plan(estate: EstateFile) -> list[VlanDef]:
    """The plan with a PRINTERS VLAN that takes the printers off the data VLAN."""
    vlans = [v.model_copy(update={"ports": [p for p in v.ports if p is not EdgePort.PRINTER]}) for v in estate.vlans]
    printers = VlanDef(role="printers", id=25, name="PRINTERS", purpose="Printers", hosts=HostRule(printers=1),
                       ports=[EdgePort.PRINTER])
    return sorted([*vlans, printers], key=lambda v: v.id)


def test_a_vlan_added_to_the_plan_becomes_the_printers_access_vlan(sample_inventory: Inventory) -> None:
    inventory = _with_estate(sample_inventory, vlans=_printer_vlan_plan(sample_inventory.estate))
    profiles = _profiles(inventory)
    printer = profiles.by_kind[PortKind.PRINTER]
    assert (printer.mode, printer.access_vlan, printer.voice_vlan) == (Mode.ACCESS, 25, None)
    assert printer.nac is not None and printer.nac.policy == user_policy_name("printers", False)
    assert printer.nac.host_mode is HostMode.SINGLE_HOST
    # critical authorisation puts printers in their own VLAN; desktops keep the data VLAN
    assert {t.name: t.vlan for t in profiles.templates}[critical_template("printers")] == 25
    assert profiles.by_kind[PortKind.DESKTOP].access_vlan == sample_inventory.estate.vlan("data").id
    assert 25 in profiles.client_vlans
    # and the rendered config says so, with no code change
    configs = {a.hostname: a.text for a in render_environment(inventory, ENV, [STATION])}
    model = _model(inventory)
    switch = next(s for s in model.switches if s.ports_of(PortKind.PRINTER))
    text = configs[switch.hostname]
    block = text.split(f"interface {switch.ports_of(PortKind.PRINTER)[0].name}\n", 1)[1].split("!\n", 1)[0]
    assert " switchport access vlan 25\n" in block
    assert " service-policy type control subscriber PMAP_DOT1X_MAB_PRINTERS\n" in block
    assert "service-template CRITICAL_PRINTERS_ACCESS\n vlan 25\n" in text
    assert "match activated-service-template CRITICAL_PRINTERS_ACCESS" in text


def test_a_port_kind_whose_vlan_the_site_does_not_carry_is_shut(sample_inventory: Inventory) -> None:
    estate = sample_inventory.estate
    vlans = [v.model_copy(update={"site_kinds": ["headquarters"]}) if v.role == VlanRole.BWV else v
             for v in estate.vlans]
    profiles = _profiles(_with_estate(sample_inventory, vlans=vlans))
    dock = profiles.by_kind[PortKind.BWV_DOCK]
    assert (dock.mode, dock.access_vlan, dock.nac) == (Mode.SHUTDOWN, estate.parking_vlan.id, None)


def test_profiles_decide_nac_protection_and_qos_per_kind(sample_inventory: Inventory) -> None:
    profiles = _profiles(sample_inventory)
    voice = sample_inventory.estate.vlan(VlanRole.VOICE).id
    phone, ap = profiles.by_kind[PortKind.PHONE], profiles.by_kind[PortKind.AP]
    assert phone.voice_vlan == voice and phone.nac is not None and phone.nac.host_mode is HostMode.MULTI_DOMAIN
    assert phone.qos_in == "USER-PORT-MARKING" and phone.protection.ip_verify_source
    assert not phone.protection.arp_trust and phone.protection.dhcp_rate
    assert ap.mode is Mode.TRUNK and ap.nac is not None
    assert (ap.nac.policy, ap.nac.host_mode, ap.nac.dot1x) == (AP_POLICY, HostMode.MULTI_HOST, False)
    assert ap.native_vlan == sample_inventory.estate.vlan(VlanRole.AP_MGMT).id
    model = _model(sample_inventory)
    assert model.wlc is not None
    assert set(ap.allowed_vlans) == {ap.native_vlan, *(v.vlan_id for v in model.wlc.vlans)}
    assert ap.protection.arp_trust and not ap.protection.dhcp_trust and ap.qos_in is None
    for kind in (PortKind.UPLINK, PortKind.DOWNLINK):
        fabric = profiles.by_kind[kind]
        assert fabric.protection.dhcp_trust and fabric.protection.arp_trust and fabric.protection.udld_aggressive
    assert profiles.downlink_channel.protection.root_guard and not profiles.uplink_channel.protection.root_guard
    wan = profiles.by_kind[PortKind.WAN]
    # a plain routed link to the edge router, which shapes the WAN
    assert wan.mode is Mode.ROUTED and not wan.wan_facing and wan.qos_out is None and wan.qos_in is None


def test_client_vlans_are_every_site_vlan_but_management_and_ap_management(sample_inventory: Inventory) -> None:
    model = _model(sample_inventory)
    profiles = port_profiles(sample_inventory, model)
    expected = {s.vlan_id for s in model.addressing.subnets} - {
        sample_inventory.estate.vlan(VlanRole.MANAGEMENT).id, sample_inventory.estate.vlan(VlanRole.AP_MGMT).id}
    assert set(profiles.client_vlans) == expected


def test_one_profile_object_per_kind_is_shared_by_every_port(sample_inventory: Inventory) -> None:
    model = _model(sample_inventory)
    views = env_views(sample_inventory, ENV)
    seen: dict[str, set[int]] = {}
    for _, context in switch_contexts(views, model):
        for port in context["switch"].ports:
            seen.setdefault(port.profile.kind, set()).add(id(port.profile))
    assert seen and all(len(ids) == 1 for ids in seen.values())


@pytest.mark.parametrize("site_id", ["MPS-0004", "MPS-0024", "MPS-0042"])
def test_the_wan_shaper_is_the_circuit_and_the_llq_the_capacity_voice_rate_stepped_up(
    sample_inventory: Inventory, site_id: str
) -> None:
    site = sample_inventory.sites[site_id]
    wan = _profiles(sample_inventory, site_id).wan
    assert wan.shape_bps == site.wan_mbps * 1_000_000
    voice_bps = site_capacity(site, CapacitySettings()).voice_kbps_ipsec * 1000
    step_bps = sample_inventory.estate.qos.priority_step_kbps * 1000
    assert voice_bps <= wan.priority_bps < voice_bps + step_bps
    assert wan.priority_bps % step_bps == 0


def test_the_llq_policer_rounds_up_to_whole_steps() -> None:
    assert priority_kbps(109.0 * 18, 64) == 31 * 64  # 1962 kb/s -> 1984 kb/s
    assert priority_kbps(128.0, 64) == 128  # already on a step
    assert priority_kbps(0.0, 64) == 64  # a site without phones still gets a valid policer


def _poe_inventory(sample_inventory: Inventory, **models: SwitchModel) -> Inventory:
    switch_models = {**sample_inventory.estate.switch_models, **models}
    return _with_estate(sample_inventory, switch_models=switch_models)


def test_dealing_keeps_every_switch_within_its_poe_budget_where_the_site_fits(sample_inventory: Inventory) -> None:
    estate = sample_inventory.estate
    # a core with a small PoE budget: plain round-robin gives it its share of APs and phones
    inventory = _with_estate(
        sample_inventory,
        models=estate.models.model_copy(update={"core_small": "C9300-24P"}),
        switch_models={**estate.switch_models, "C9300-24P": SwitchModel(poe_budget_w=100.0, poe_port_max_w=30.0)},
    )
    plain = _with_estate(inventory, poe=estate.poe.model_copy(update={"margin": 0.0}),
                         switch_models={**inventory.estate.switch_models,
                                        "C9300-24P": SwitchModel(poe_budget_w=10_000.0, poe_port_max_w=30.0)})
    assert draw((p.kind for p in _model(plain).core.ports), estate) > usable_budget("C9300-24P", inventory.estate)
    dealt = _model(inventory)
    for switch in dealt.switches:
        assert draw((p.kind for p in switch.ports), inventory.estate) <= usable_budget(switch.model, inventory.estate)
    # nothing lost: the same devices, only on other switches
    def devices(model: SiteModel) -> list[str]:
        return sorted(p.description for s in model.switches for p in s.ports if p.kind not in FABRIC)

    assert devices(dealt) == devices(_model(plain))


def test_when_no_switch_has_room_dealing_falls_back_to_round_robin(sample_inventory: Inventory) -> None:
    inventory = _poe_inventory(sample_inventory, **{"C9300-48P": SwitchModel(poe_budget_w=10.0, poe_port_max_w=30.0)})
    model, plain = _model(inventory), _model(sample_inventory)
    assert [[p.kind for p in s.ports] for s in model.switches] == [[p.kind for p in s.ports] for s in plain.switches]


def test_a_device_goes_only_where_one_port_can_power_it(sample_inventory: Inventory) -> None:
    estate = sample_inventory.estate
    # APs need 45 W: the access switches (30 W a port) cannot give it, a UPOE core can
    inventory = _with_estate(
        sample_inventory,
        poe=estate.poe.model_copy(update={"draw_w": {**estate.poe.draw_w, "ap": 45.0}}),
        models=estate.models.model_copy(update={"core_small": "C9300-24P"}),
        switch_models={**estate.switch_models, "C9300-24P": SwitchModel(poe_budget_w=822.0, poe_port_max_w=60.0)},
    )
    assert port_max("C9300-48P", inventory.estate) < port_draw("ap", inventory.estate) <= port_max(
        "C9300-24P", inventory.estate)
    model = _model(inventory)
    assert model.access and model.core.model == "C9300-24P"
    aps = {s.hostname for s in model.switches for p in s.ports if p.kind is PortKind.AP}
    assert aps == {model.core.hostname}
