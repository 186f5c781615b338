"""Site documentation for the engineers who visit a site: per site a Markdown page and a CSV
patch schedule, built from the device model, the same ports, VLANs and addresses the configs
are rendered from, so the paper and the switch never disagree.

The per-port VLANs come from the port profiles (`build.ports`, what the interface templates print);
the patch-panel position has a column but no source yet: the inventory does not record it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from estate.build.device_model import EDGE_KINDS, PortKind, SiteModel, Switch, build_site
from estate.build.ports import Mode, SiteProfiles
from estate.build.render import vlan_list
from estate.build.render_context import SwitchVlans, build_globals, port_profiles, site_vlans
from estate.files import PUBLIC_FILE, atomic_write
from estate.inventory.inventory import Inventory

PATCH_COLUMNS = ("switch", "port", "kind", "connected", "mode", "access_vlan", "voice_vlan", "native_vlan",
                 "trunk_vlans", "poe_class", "patch_panel")

# The inventory names no phone or AP models, so the class is what a port must be able to give:
# the site's APs need 802.3at for every radio, desk phones fit in 802.3af. Both are the classes
# the switch models' PoE budgets are planned with.
POE_CLASS: dict[PortKind, int] = {PortKind.AP: 4, PortKind.PHONE: 3}
POE_WATTS = {3: 15.4, 4: 30.0}  # what the switch reserves at the port for the class

KIND_LABEL = {
    PortKind.AP: "access point", PortKind.BWV_DOCK: "BWV dock", PortKind.PRINTER: "printer",
    PortKind.PHONE: "phone", PortKind.DESKTOP: "desktop", PortKind.UPLINK: "uplink",
    PortKind.DOWNLINK: "downlink", PortKind.WAN: "WAN", PortKind.UNUSED: "spare",
}


@dataclass(frozen=True, slots=True)
class PatchRow:
    switch: str
    port: str
    kind: PortKind
    connected: str
    mode: str  # access, trunk, routed, or shutdown (a spare port parked in its VLAN)
    access_vlan: int | None
    voice_vlan: int | None
    native_vlan: int | None
    trunk_vlans: tuple[int, ...]
    poe_class: int | None
    patch_panel: str = ""  # not in the inventory yet

    def cells(self) -> tuple[str, ...]:
        def text(value: int | None) -> str:
            return "" if value is None else str(value)

        return (self.switch, self.port, KIND_LABEL[self.kind], self.connected, self.mode, text(self.access_vlan),
                text(self.voice_vlan), text(self.native_vlan), vlan_list(self.trunk_vlans) if self.trunk_vlans else "",
                text(self.poe_class), self.patch_panel)


@dataclass(frozen=True, slots=True)
class SiteDoc:
    site_id: str
    markdown: str
    patch_csv: str


def patch_rows(model: SiteModel, profiles: SiteProfiles) -> list[PatchRow]:
    """Every physical port of every switch of the site, in the order IOS lists them, with the
    VLANs of the port profile its config is rendered from."""
    rows = []
    for switch in model.switches:
        for port in switch.ports:
            kind = port.kind
            profile = profiles.by_kind[kind]
            trunk = profile.allowed_vlans if profile.mode == Mode.TRUNK else ()
            connected = "" if kind is PortKind.UNUSED else port.description
            rows.append(PatchRow(switch.hostname, port.name, kind, connected, profile.mode.value,
                                 profile.access_vlan, profile.voice_vlan, profile.native_vlan, trunk,
                                 POE_CLASS.get(kind)))
    return rows


def site_docs(inventory: Inventory, env: str, sites: list[str] | None = None) -> list[SiteDoc]:
    glob = build_globals(inventory, env)
    docs = []
    for site in inventory.env_sites(env, sites):
        model = build_site(inventory, env, site)
        profiles = port_profiles(inventory, model)
        vlans, _ = site_vlans(model, glob, profiles)
        rows = patch_rows(model, profiles)
        docs.append(SiteDoc(site.site_id, _markdown(inventory, env, model, vlans, rows), _csv(rows)))
    return docs


def write_site_docs(docs: Iterable[SiteDoc], folder: Path) -> list[Path]:
    """`<folder>/<SITE>.md` and `<folder>/<SITE>-patch.csv`, each replaced in one rename."""
    written = []
    for doc in docs:
        for name, text in ((f"{doc.site_id}.md", doc.markdown), (f"{doc.site_id}-patch.csv", doc.patch_csv)):
            atomic_write(folder / name, text, mode=PUBLIC_FILE)
            written.append(folder / name)
    return written


def _csv(rows: list[PatchRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(PATCH_COLUMNS)
    writer.writerows(row.cells() for row in rows)
    return buffer.getvalue()


def _cell(value: object) -> str:
    # a site name is free text: a pipe would split a table cell
    return str(value).replace("\\", "\\\\").replace("|", "\\|")


def _table(header: tuple[str, ...], rows: Iterable[Iterable[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def _poe_watts(rows: list[PatchRow], switch: Switch) -> float:
    return sum(POE_WATTS[r.poe_class] for r in rows if r.switch == switch.hostname and r.poe_class is not None)


def _markdown(inventory: Inventory, env: str, model: SiteModel, vlans: SwitchVlans, rows: list[PatchRow]) -> str:
    site, addressing, estate = model.site, model.addressing, inventory.estate
    out = [f"# {site.site_id} {_cell(site.name)}", "",
           f"{model.kind.description}, {_cell(site.borough)}; environment {env}. Generated by `estate docs` from the "
           "inventory: regenerate rather than edit.", ""]
    if site.notes:
        out += [f"Notes: {_cell(site.notes)}", ""]
    # fewer desktop ports than desktops: a desk PC behind a phone shares the phone's port
    out += [f"Inventory counts: {site.phones} phones, {site.desktops} desktops, {site.printers} printers, "
            f"{site.aps} APs, {site.bwv_docks} BWV docks, {site.bwv_cameras} BWV cameras. Wired edge ports "
            f"planned: {sum(r.kind in EDGE_KINDS for r in rows)} (a desktop behind a phone uses the phone's port).", ""]
    out += ["## Change window", "", f"{site.change_window} ({estate.timezone}): work that interrupts service "
            "happens only then.", ""]
    wan_port = next(p.name for p in model.core.ports if p.kind is PortKind.WAN)
    out += ["## WAN circuit", "", *_table(
        ("bandwidth", "hub", "core port", "site address", "provider address", "link"),
        [(f"{site.wan_mbps} Mb/s", site.wan_hub, f"{model.core.hostname} {wan_port}",
          addressing.wan_local, addressing.wan_peer, addressing.wan_network)])]
    out += ["## Addressing", "", f"Site block {addressing.block}, loopback {addressing.loopback} "
            f"on {model.core.hostname}.", "", *_table(
                ("VLAN", "name", "subnet", "gateway", "hosts needed"),
                [(s.vlan_id, s.name, s.network, s.gateway, s.hosts_needed) for s in addressing.subnets])]
    out += ["## Switches", "", *_table(
        ("hostname", "role", "model", "management address", "ports in use", "PoE reserved"),
        [(s.hostname, s.role.value, s.model, s.mgmt_ip,
          f"{sum(p.kind is not PortKind.UNUSED for p in s.ports)} of {len(s.ports)}",
          f"{_poe_watts(rows, s):.1f} W") for s in model.switches])]
    channels = [(s.hostname, f"Po{pc.number}", ", ".join(pc.members), pc.peer)
                for s in model.switches for pc in s.port_channels]
    out += ["## Uplinks", "", *(_table(("switch", "port-channel", "members", "other end"), channels)
                                if channels else ["None: the core switch is the only switch.", ""])]
    out += _wireless(model, rows)
    docks = [(r.connected, r.switch, r.port, r.access_vlan) for r in rows if r.kind is PortKind.BWV_DOCK]
    if docks:
        out += ["## BWV docks", "", f"{site.bwv_cameras} cameras charge and upload here.", "",
                *_table(("dock", "switch", "port", "VLAN"), docks)]
    out += ["## Switch ports", "", "Every physical port; the same rows as the patch schedule "
            f"({site.site_id}-patch.csv). The patch-panel column is empty: the inventory does not record it.", ""]
    for switch in model.switches:
        out += [f"### {switch.hostname}", "", *_table(
            ("port", "kind", "connected", "mode", "VLANs", "PoE class", "patch panel"),
            [(r.port, KIND_LABEL[r.kind], r.connected, r.mode, _vlans_text(r),
              "" if r.poe_class is None else r.poe_class, r.patch_panel)
             for r in rows if r.switch == switch.hostname])]
    return "\n".join(out).rstrip("\n") + "\n"


def _wireless(model: SiteModel, rows: list[PatchRow]) -> list[str]:
    aps = [(r.connected.removeprefix("AP "), r.switch, r.port, r.poe_class) for r in rows if r.kind is PortKind.AP]
    if not aps or model.wlc is None:
        return ["## Access points", "", "None.", ""]
    wlc = model.wlc
    vlan_ids = {v.role: v.vlan_id for v in wlc.vlans}
    local = ", ".join(f"{w.name} (VLAN {vlan_ids[w.vlan_role]})" for w in wlc.wlans if w.vlan_role in vlan_ids)
    anchored = ", ".join(w.name for w in wlc.wlans if w.guest)
    backup = f", failing over to pair {wlc.backup.name}" if wlc.backup is not None else ""
    text = (f"Joined to {wlc.wlc_hostname}{backup} (site tag {wlc.site_tag}, AP names match "
            f"`{wlc.ap_name_regex}`); SSIDs switched locally: {local or 'none'}"
            f"{f'; tunnelled to the guest anchor: {anchored}' if anchored else ''}.")
    return ["## Access points", "", text, "", *_table(("AP", "switch", "port", "PoE class"), aps)]


def _vlans_text(row: PatchRow) -> str:
    if row.mode == "trunk":
        return f"native {row.native_vlan}, allowed {vlan_list(row.trunk_vlans)}"
    if row.voice_vlan is not None:
        return f"data {row.access_vlan}, voice {row.voice_vlan}"
    if row.mode == "routed":
        return "none (routed)"
    if row.mode == "shutdown":
        return f"{row.access_vlan} (parking)"
    return "" if row.access_vlan is None else str(row.access_vlan)
