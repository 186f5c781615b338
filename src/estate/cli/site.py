"""`estate site add`: append a site to sites.csv with the next free number and print where it
sits in each environment (its address block, per-VLAN subnets and switches' management
addresses), so the engineer can order the circuit and pre-stage the switches."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from estate.build.device_model import SiteModel
from estate.cli.common import UserError, add_inventory, int_in, unknown_names

COUNT_OPTIONS = ("phones", "desktops", "printers", "aps", "bwv_docks", "bwv_cameras")


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "site", help="add a site to the inventory", description="Work on the sites of the inventory.")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add", help="append a site with the next free number and print its addressing",
        description="Append a row to sites.csv with the next free site number. Counts, circuit and change "
        "window left out are written blank and take the kind's defaults (site_kinds.<kind>.defaults in "
        "estate.yaml). The file is replaced only if the whole inventory still validates.")
    add_inventory(add)
    add.add_argument("--kind", required=True, help="site kind, one of estate.yaml's site_kinds")
    add.add_argument("--name", required=True, help="site name, as printed on devices (printable ASCII, no ? \" \\)")
    add.add_argument("--borough", required=True, help="borough, same rules as the name")
    add.add_argument("--wan-hub", dest="wan_hub", required=True, metavar="HUB",
                     help="the WAN hub the site's circuit lands on (a hub the stacks declare)")
    for name in COUNT_OPTIONS:
        add.add_argument(f"--{name.replace('_', '-')}", dest=name, type=int_in(0, 100_000), default=None,
                         metavar="N", help=f"{name.replace('_', ' ')} (default: the kind's)")
    add.add_argument("--wan-mbps", dest="wan_mbps", type=int_in(2, 100_000), default=None, metavar="MBPS",
                     help="WAN circuit bandwidth (default: the kind's)")
    add.add_argument("--change-window", dest="change_window", default=None, metavar="WINDOW",
                     help="such as 'Sun 02:00-05:00' (default: the kind's)")
    add.set_defaults(func=run_add)


def run_add(args: argparse.Namespace) -> int:
    from estate.cli.common import load
    from estate.new_site import SiteAddError, add_site

    inventory = load(args)
    wrong = unknown_names("site kind", [args.kind], inventory.estate.site_kinds)
    if wrong is not None:
        raise UserError(f"{wrong} (add it to site_kinds in estate.yaml first)")
    given: dict[str, object] = {"name": args.name, "kind": args.kind, "borough": args.borough,
                                "wan_hub": args.wan_hub}
    for name in (*COUNT_OPTIONS, "wan_mbps", "change_window"):
        value = getattr(args, name)
        if value is not None:
            given[name] = value
    defaults = inventory.estate.site_kinds[args.kind].defaults
    lacking = [name for name in (*COUNT_OPTIONS, "wan_mbps", "change_window")
               if name not in given and getattr(defaults, name) is None]
    if lacking:
        flags = ", ".join(f"--{name.replace('_', '-')}" for name in lacking)
        raise UserError(f"site kind {args.kind} has no default for {', '.join(lacking)}: give {flags}")
    try:
        added = add_site(args.inventory, given)
    except SiteAddError as exc:
        raise UserError(str(exc)) from None
    site = added.site
    lines = [f"added {site.site_id} {site.name} ({site.kind}, {site.borough}) to "
             f"{args.inventory / 'sites.csv'}, line {added.line}"]
    if added.defaulted:
        shown = ", ".join(f"{name} {value}" for name, value in added.defaulted.items())
        lines.append(f"from the {site.kind} defaults: {shown}")
    for env, model in added.models.items():
        lines += addressing_lines(env, model)
    if added.not_in:
        lines.append(f"not in {', '.join(added.not_in)}: they list their sites (add {site.site_id} to "
                     f"environments.<env>.sites in estate.yaml to pilot it there)")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def addressing_lines(env: str, model: SiteModel) -> list[str]:
    addressing = model.addressing
    lines = [f"{env}: block {addressing.block}, loopback {addressing.loopback}, WAN link {addressing.wan_network}",
             f"  {'VLAN':>4} {'name':<12} {'subnet':<18} gateway"]
    for subnet in addressing.subnets:
        lines.append(f"  {subnet.vlan_id:>4} {subnet.name:<12} {subnet.network!s:<18} {subnet.gateway}")
    lines.append("  management: " + ", ".join(f"{switch.hostname} {switch.mgmt_ip}" for switch in model.switches))
    return lines
