"""What of `estate.yaml` can still be used when part of it is wrong.

The estate file is validated whole, and its problems are reported as pydantic finds them. But a
broken `vlans` section says nothing about whether sites.csv names known site kinds, and one bad
id in an environment's site list says nothing about the others: the cross-checks run on
whatever validates on its own, section by section, environment by environment, id by id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from ipaddress import IPv4Network
from typing import Any, Literal

from pydantic import TypeAdapter, ValidationError

from estate.inventory.models import (
    AddressingPolicy,
    Carrier,
    EdgeModel,
    EnvName,
    EnvWireless,
    EstateFile,
    KindDefaults,
    KindName,
    KindWan,
    Models,
    NamedVlan,
    Poe,
    SiteId,
    Ssid,
    Switching,
    SwitchModel,
    VlanDef,
    Wan,
    WanDesign,
    WanHub,
    WanName,
    Wireless,
)


@dataclass(frozen=True)
class EnvParts:
    supernet: IPv4Network | None
    # "all", or the ids that are valid with their index in the list (None: no usable list)
    sites: Literal["all"] | tuple[tuple[int, str], ...] | None
    wireless: EnvWireless | None = None
    voice_supernet: IPv4Network | None = None


@dataclass(frozen=True)
class WanParts:
    """The parts of `wan:` that validate on their own: whole fields, and designs, edge models and
    hubs one by one (a bad hub hides nothing about the others)."""

    site_asn_base: int | None = None
    link_supernet: IPv4Network | None = None
    carriers: list[Carrier] | None = None
    designs: dict[str, WanDesign] = field(default_factory=dict)  # the designs that validate
    design_names: frozenset[str] = frozenset()  # every valid key, even where the body is not
    edge_models: dict[str, EdgeModel] = field(default_factory=dict)
    edge_model_names: frozenset[str] = frozenset()
    hubs: tuple[tuple[int, WanHub], ...] = ()  # the hubs that validate, with their index
    hub_names: frozenset[str] | None = None  # names of every hub entry that has a valid name

    @classmethod
    def of(cls, wan: Wan) -> WanParts:
        return cls(wan.site_asn_base, wan.link_supernet, list(wan.carriers), dict(wan.designs),
                   frozenset(wan.designs), dict(wan.edge_models), frozenset(wan.edge_models),
                   tuple(enumerate(wan.hubs)), frozenset(hub.name for hub in wan.hubs))


@dataclass(frozen=True)
class EstateParts:
    """The sections of `estate.yaml` that are valid on their own; None where a section is not."""

    vlans: list[VlanDef] | None = None
    parking_vlan: NamedVlan | None = None
    native_vlan: NamedVlan | None = None
    ssids: list[Ssid] | None = None
    switching: Switching | None = None
    addressing: AddressingPolicy | None = None
    site_id_prefix: str | None = None
    kinds: frozenset[str] | None = None  # the valid keys of site_kinds, even if a kind's body is not
    defaults: dict[str, KindDefaults] = field(default_factory=dict)  # by kind, where they validate
    environments: dict[str, EnvParts] = field(default_factory=dict)
    kind_guest: dict[str, bool] = field(default_factory=dict)  # site_kinds.<kind>.guest, where it validates
    models: Models | None = None
    switch_models: dict[str, SwitchModel] | None = None
    poe: Poe | None = None
    wireless: Wireless | None = None
    wan: WanParts | None = None
    kind_wan: dict[str, KindWan] = field(default_factory=dict)  # site_kinds.<kind>.wan, where it validates

    @classmethod
    def of(cls, estate: EstateFile) -> EstateParts:
        envs = {
            name: EnvParts(env.supernet, "all" if env.sites == "all" else tuple(enumerate(env.sites)), env.wireless,
                           env.voice_supernet)
            for name, env in estate.environments.items()
        }
        defaults = {name: kind.defaults for name, kind in estate.site_kinds.items()}
        return cls(estate.vlans, estate.parking_vlan, estate.native_vlan, estate.ssids, estate.switching,
                   estate.addressing, estate.site_id_prefix, frozenset(estate.site_kinds), defaults=defaults,
                   environments=envs, kind_guest={name: kind.guest for name, kind in estate.site_kinds.items()},
                   models=estate.models, switch_models=dict(estate.switch_models), poe=estate.poe,
                   wireless=estate.wireless, wan=WanParts.of(estate.wan),
                   kind_wan={name: kind.wan for name, kind in estate.site_kinds.items()})


def salvage(data: Any) -> EstateParts:
    """The parts of a raw (parsed, invalid) estate document that validate on their own."""
    if not isinstance(data, dict):
        return EstateParts()
    kinds = data.get("site_kinds")
    return EstateParts(
        vlans=_section("vlans", data),
        parking_vlan=_section("parking_vlan", data),
        native_vlan=_section("native_vlan", data),
        ssids=_section("ssids", data),
        switching=_section("switching", data),
        addressing=_section("addressing", data),
        site_id_prefix=_section("site_id_prefix", data),
        kinds=frozenset(k for k in kinds if _valid(KindName, k)) if isinstance(kinds, dict) else None,
        environments=_environments(data.get("environments")),
        defaults=_defaults(kinds),
        kind_guest=_kind_guest(kinds),
        models=_section("models", data),
        switch_models=_section("switch_models", data),
        poe=_section("poe", data),
        wireless=_section("wireless", data),
        wan=_wan(data.get("wan")),
        kind_wan=_kind_wan(kinds),
    )


def _wan(raw: Any) -> WanParts | None:
    if not isinstance(raw, dict):
        return None
    designs, models, hubs = raw.get("designs"), raw.get("edge_models"), raw.get("hubs")
    designs = designs if isinstance(designs, dict) else {}
    models = models if isinstance(models, dict) else {}
    hub_list = hubs if isinstance(hubs, list) else []
    return WanParts(
        site_asn_base=_sub(Wan, "site_asn_base", raw),
        link_supernet=_sub(Wan, "link_supernet", raw),
        carriers=_sub(Wan, "carriers", raw),
        designs={k: _adapter(WanDesign).validate_python(v) for k, v in designs.items()
                 if _valid(WanName, k) and _valid(WanDesign, v)},
        design_names=frozenset(k for k in designs if _valid(WanName, k)),
        edge_models={k: _adapter(EdgeModel).validate_python(v) for k, v in models.items()
                     if _valid(EdgeModel, v)},
        edge_model_names=frozenset(k for k in models if isinstance(k, str)),
        hubs=tuple((i, _adapter(WanHub).validate_python(h)) for i, h in enumerate(hub_list) if _valid(WanHub, h)),
        hub_names=frozenset(h["name"] for h in hub_list if isinstance(h, dict) and isinstance(h.get("name"), str))
        if isinstance(hubs, list) else None,
    )


def _kind_wan(kinds: Any) -> dict[str, KindWan]:
    if not isinstance(kinds, dict):
        return {}
    return {name: _adapter(KindWan).validate_python(body["wan"]) for name, body in kinds.items()
            if _valid(KindName, name) and isinstance(body, dict) and _valid(KindWan, body.get("wan"))}


def _sub(model: Any, name: str, data: dict[str, Any]) -> Any:
    """One field of a section's raw mapping, validated on its own (None if absent or invalid)."""
    if name not in data:
        return None
    try:
        return _model_field_adapter(model, name).validate_python(data[name])
    except ValidationError:
        return None


@cache
def _model_field_adapter(model: Any, name: str) -> TypeAdapter[Any]:
    annotated: Any = model.model_fields[name].rebuild_annotation()
    return TypeAdapter(annotated)


def _kind_guest(kinds: Any) -> dict[str, bool]:
    if not isinstance(kinds, dict):
        return {}
    return {name: body["guest"] for name, body in kinds.items()
            if _valid(KindName, name) and isinstance(body, dict) and isinstance(body.get("guest"), bool)}


def _defaults(kinds: Any) -> dict[str, KindDefaults]:
    # a kind whose other fields are wrong still says what its blank cells mean
    if not isinstance(kinds, dict):
        return {}
    found: dict[str, KindDefaults] = {}
    for name, body in kinds.items():
        raw = body.get("defaults", {}) if isinstance(body, dict) else None
        if _valid(KindName, name) and _valid(KindDefaults, raw):
            found[name] = _adapter(KindDefaults).validate_python(raw)
    return found


def _environments(raw: Any) -> dict[str, EnvParts]:
    if not isinstance(raw, dict):
        return {}
    found: dict[str, EnvParts] = {}
    for name, env in raw.items():
        if not _valid(EnvName, name) or not isinstance(env, dict):
            continue
        sites = env.get("sites")
        selection: Literal["all"] | tuple[tuple[int, str], ...] | None = None
        if sites == "all":
            selection = "all"
        elif isinstance(sites, list):
            selection = tuple((i, s) for i, s in enumerate(sites) if _valid(SiteId, s))
        supernet, wireless, voice = env.get("supernet"), env.get("wireless"), env.get("voice_supernet")
        found[name] = EnvParts(_adapter(IPv4Network).validate_python(supernet) if _valid(IPv4Network, supernet)
                               else None, selection,
                               _adapter(EnvWireless).validate_python(wireless) if _valid(EnvWireless, wireless)
                               else None,
                               _adapter(IPv4Network).validate_python(voice) if _valid(IPv4Network, voice) else None)
    return found


def _section(name: str, data: dict[str, Any]) -> Any:
    if name not in data:
        return None
    try:
        return _field_adapter(name).validate_python(data[name])
    except ValidationError:
        return None


@cache
def _field_adapter(name: str) -> TypeAdapter[Any]:
    info = EstateFile.model_fields[name]
    annotated: Any = info.rebuild_annotation()
    return TypeAdapter(annotated)


@cache
def _adapter(kind: Any) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


def _valid(kind: Any, value: Any) -> bool:
    try:
        _adapter(kind).validate_python(value)
    except ValidationError:
        return False
    return True
