"""`estate backup`: every device's running config (the WLC whole) saved under
`<out>/<env>/<UTC timestamp>/`, ready for `estate review --running-from`; secrets as `${NAME}`
placeholders, files 0600 (see `estate.change.backup`).

Exit codes: 0 every device saved, 1 some device could not be read (the others are saved and the
manifest names it), 2 user error.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from estate.cli.common import (
    UserError,
    add_env,
    add_inventory,
    add_sites,
    folder_path,
    load,
)
from estate.cli.progress import progress_bar
from estate.cli.review import add_connection_arguments, lab_addresses, read_lab

DEFAULT_BACKUPS = Path("backups")


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "backup", help="save every device's running config (secrets as placeholders) for --running-from")
    add_inventory(parser)
    add_env(parser)
    add_sites(parser)
    parser.add_argument("--lab", action="store_true", help="read the simulator (`estate lab up`) instead of devices")
    parser.add_argument("--out", type=folder_path, default=DEFAULT_BACKUPS, metavar="DIR",
                        help=f"backups folder (default: {DEFAULT_BACKUPS}/); each backup is <DIR>/<env>/<timestamp>/")
    add_connection_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from estate.build.render import device_hostnames
    from estate.change.backup import write_backup
    from estate.change.connections import access_for
    from estate.change.fetch import ConnectSettings, FetchError, FetchResult, credentials_from_env, fetch_running
    from estate.secrets import SecretBook, from_environment

    inventory = load(args)
    hostnames = sorted(device_hostnames(inventory, args.env, args.sites))  # the WLC is always one of them
    access = access_for(inventory, args.env, hostnames)
    sites = {name: access[name].site_id for name in hostnames}
    known_hosts = args.known_hosts
    secrets = from_environment()
    if args.lab:
        from estate.lab.from_inventory import lab_secret_values

        lab = read_lab(args.lab_dir)
        addresses = lab_addresses(lab)
        access = {name: replace(found, host=addresses[name][0], port=addresses[name][1])
                  for name, found in access.items() if name in addresses}
        known_hosts = known_hosts or lab.known_hosts
        secrets = SecretBook(lab_secret_values(args.lab_dir, create=False))
    try:
        credentials = credentials_from_env()
    except FetchError as exc:
        raise UserError(str(exc)) from exc
    secrets.add_current({k: v for k, v in credentials.values().items() if k not in secrets})
    settings = ConnectSettings(known_hosts=known_hosts, trust_on_first_use=args.trust_on_first_use,
                               workers=args.workers, conn_timeout=args.timeout, auth_timeout=args.timeout,
                               read_timeout=3 * args.timeout)
    quiet = getattr(args, "quiet", 0)
    with progress_bar(f"backing up {args.env}", "devices", quiet=quiet) as progress:
        results = fetch_running([access[name] for name in hostnames if name in access], credentials, settings,
                                progress=progress)
    via = "lab" if args.lab else "ssh"
    for name in hostnames:
        results.setdefault(name, FetchResult(name, None, f"no address for this device ({via})"))
    backup = write_backup(args.out, args.env, sites, results, secrets, source=via)
    for name, error in sorted(backup.unreadable.items()):
        sys.stderr.write(f"estate: {name}: not saved: {error}\n")
    missing = f" ({len(backup.unreadable)} could not be read: see above and the manifest)" if backup.unreadable else ""
    sys.stdout.write(f"backed up {args.env}: {len(backup.saved)} of {len(hostnames)} devices{missing} -> "
                     f"{backup.folder}\n")
    return 0 if backup.ok else 1
