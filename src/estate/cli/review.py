"""`estate review`: what every device would get; touches nothing.

Exit codes: 0 every device reviewed, 1 some device unreachable or not reviewable, 2 user error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from estate.cli.common import (
    UserError,
    add_env,
    add_inventory,
    add_sites,
    file_path,
    float_in,
    folder_path,
    int_in,
    load,
    unknown_names,
)

if TYPE_CHECKING:
    from estate.cli.progress import Progress
    from estate.lab.state import LabState
    from estate.secrets import SecretBook

from estate.secrets import SECRET_NAMES

DEFAULT_LAB_DIR = Path("build/lab")
MAX_WORKERS = 500  # one SSH session per device of the largest site set, and no more
MAX_TIMEOUT = 3600.0


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    """How devices are reached: the arguments every command that reads devices shares."""
    parser.add_argument("--lab-dir", type=folder_path, default=DEFAULT_LAB_DIR, metavar="DIR",
                        help=f"the lab's state folder (default: {DEFAULT_LAB_DIR})")
    parser.add_argument("--known-hosts", type=file_path, default=None, metavar="FILE",
                        help="known_hosts to verify device keys against (default: the lab's with --lab, "
                             "else ~/.ssh/known_hosts)")
    parser.add_argument("--trust-on-first-use", action="store_true",
                        help="accept (and record) host keys never seen before; a changed key is still refused")
    parser.add_argument("--workers", type=int_in(1, MAX_WORKERS), default=50, metavar="N",
                        help=f"parallel SSH sessions, 1 to {MAX_WORKERS} (default 50)")
    parser.add_argument("--timeout", type=float_in(0.1, MAX_TIMEOUT), default=10.0, metavar="S",
                        help="connect/auth timeout in seconds (default 10); reads wait 3x this")


def add_review_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments `review` and `push` share (push without --commit is a review)."""
    add_inventory(parser)
    add_env(parser)
    add_sites(parser)
    parser.add_argument("--device", dest="devices", action="append", default=None, metavar="HOSTNAME",
                        help="only this device (repeat for more)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--lab", action="store_true", help="reach the simulator (`estate lab up`) instead of devices")
    source.add_argument("--running-from", type=folder_path, default=None, metavar="DIR",
                        help="offline: saved running configs <hostname>.cfg under DIR (flat or per env/site)")
    add_connection_arguments(parser)
    parser.add_argument("--stack-outputs", type=file_path, default=None, metavar="FILE",
                        help="the stack's outputs (`pulumi stack output --json --show-secrets`, or "
                             "`estate plan --outputs`): the hub routers become targets too")
    parser.add_argument("--large-change", type=int_in(1), default=150, metavar="LINES",
                        help="flag a device whose change adds+removes more lines than this (default 150)")
    parser.add_argument("--rotate-secret", dest="rotate", action="append", default=None, metavar="NAME",
                        choices=SECRET_NAMES,
                        help="send the lines holding this secret again even where the device has a key (its "
                             "encrypted form is compared by presence); repeat for more")
    parser.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    parser.add_argument("--detail", action="store_true", help="per-device remediation, risks and rollback")
    parser.add_argument("--diff", action="store_true",
                        help="also print a unified diff (running against intended) per changed device")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour the --diff: auto (only on a terminal, default), always, never")


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "review", help="dry-run: remediation, rollback and risks for every device (changes nothing)")
    add_review_arguments(parser)
    parser.add_argument("--save", type=file_path, default=None, metavar="PLAN",
                        help="write the reviewed plan (per device: lines, rollback, running-config hash)")
    parser.set_defaults(func=run)


def context(args: argparse.Namespace) -> tuple[Any, Any, Any, Any, SecretBook, Any]:
    """(inventory, selection, credentials, connect settings, secret values, risk settings)."""
    from estate.change.fetch import ConnectSettings, FetchError, credentials_from_env
    from estate.change.review import Selection
    from estate.change.risk import RiskSettings
    from estate.inventory.models import VlanRole
    from estate.secrets import SecretBook, from_environment

    inventory = load(args)
    check_devices(inventory, args.env, args.sites, args.devices)
    if getattr(args, "stack_outputs", None) is not None:
        stack_outputs(args.stack_outputs)  # a bad file is the user's to fix: said before any device is read
    lab = read_lab(args.lab_dir) if args.lab else None
    selection = Selection(args.env, args.sites, args.devices, args.running_from,
                          addresses=None if lab is None else lab_addresses(lab), via="lab" if lab else "ssh",
                          rotate=frozenset(getattr(args, "rotate", None) or ()),
                          stack_outputs=getattr(args, "stack_outputs", None))
    known_hosts = args.known_hosts
    if lab is not None and known_hosts is None:
        known_hosts = lab.known_hosts
    try:
        credentials = None if args.running_from is not None else credentials_from_env()
    except FetchError as exc:
        raise UserError(str(exc)) from exc
    settings = ConnectSettings(known_hosts=known_hosts, trust_on_first_use=args.trust_on_first_use,
                               workers=args.workers, conn_timeout=args.timeout, auth_timeout=args.timeout,
                               read_timeout=3 * args.timeout)
    mgmt = next((v.id for v in inventory.estate.vlans if v.role is VlanRole.MANAGEMENT), None)
    secrets = from_environment()
    if args.lab:
        from estate.lab.from_inventory import lab_secret_values

        secrets = SecretBook(lab_secret_values(args.lab_dir, create=False))
    if credentials is not None:
        secrets.add_current({k: v for k, v in credentials.values().items() if k not in secrets})
    return inventory, selection, credentials, settings, secrets, RiskSettings(mgmt, args.large_change)


def read_lab(lab_dir: Path) -> LabState:
    """The running lab's record. The lab is one more source of access settings: the CLI reads
    it and hands the change stage plain addresses and a known_hosts file."""
    from estate.lab.state import LabError, read_state

    try:
        state = read_state(lab_dir)
    except LabError as exc:
        raise UserError(str(exc)) from exc
    if state is None:
        raise UserError(f"no lab running from {lab_dir} (start one with `estate lab up`)")
    return state


def lab_addresses(state: LabState) -> dict[str, tuple[str, int]]:
    return {name: (str(device.host), device.port) for name, device in state.devices.items()}


def check_devices(inventory: Any, env: str, sites: list[str] | None, devices: list[str] | None) -> None:
    """Refuse a --device that is not in the chosen sites of the environment (with close
    matches): silently reviewing nothing would read as "no change needed"."""
    if not devices:
        return
    from estate.build.device_model import build_site, wlc_hostnames

    known = set(wlc_hostnames(inventory, env))  # a pair's name selects its own part and its sites' shares
    for site in inventory.env_sites(env, sites):
        known.update(switch.hostname for switch in build_site(inventory, env, site).switches)
    where = f"sites {', '.join(sites)} of {env}" if sites else f"environment {env}"
    error = unknown_names(f"device in {where}", devices, known)
    if error is not None:
        raise error


def render_review(review: Any, fmt: str, detail: bool) -> str:
    from estate.change.report import markdown_report, text_report
    from estate.change.review import review_json

    if fmt == "json":
        return json.dumps(review_json(review, detail), indent=1) + "\n"
    if fmt == "markdown":
        return markdown_report(review, detail)
    return text_report(review, detail)


@contextmanager
def read_then_diff(env: str, quiet: int) -> Iterator[tuple[Progress, Progress]]:
    """Two progress callbacks, (reading, diffing), one bar after the other: the reading bar
    ends when the first diff is reported (Rich draws one live display at a time)."""
    from estate.cli.progress import progress_bar

    with ExitStack() as bars:
        reading_bar = ExitStack()
        bars.push(reading_bar)
        reading = reading_bar.enter_context(progress_bar(f"reading {env}", "devices", quiet=quiet))
        diffing: list[Progress] = []

        def diff_progress(done: int, total: int) -> None:
            if not diffing:
                reading_bar.close()
                diffing.append(bars.enter_context(progress_bar(f"diffing {env}", "devices", quiet=quiet)))
            diffing[0](done, total)

        yield reading, diff_progress


def reviewed(args: argparse.Namespace, ctx: tuple[Any, Any, Any, Any, SecretBook, Any]) -> Any:
    """The review of the selection, with progress bars over the devices read, then diffed
    (review, the dry run of push, and compliance all start here)."""
    from estate.change.fetch import FetchError
    from estate.change.review import review_environment

    inventory, selection, credentials, settings, secrets, risk = ctx
    quiet = int(getattr(args, "quiet", 0) or 0)
    try:
        with read_then_diff(args.env, quiet) as (progress, diff_progress):
            return review_environment(inventory, selection, credentials=credentials, settings=settings,
                                      secrets=secrets, risk=risk, progress=progress, diff_progress=diff_progress)
    except FetchError as exc:
        raise UserError(str(exc)) from exc


def show_review(args: argparse.Namespace, inventory: Any, review: Any, secrets: Any) -> tuple[str | None, str] | None:
    """Print the review as asked (markdown is the change ticket; `--diff` adds the diffs);
    returns the ticket when one was made (for `--save`'s companion)."""
    from estate.secrets import mask

    ticket = None
    if args.format == "markdown" or getattr(args, "save", None) is not None:
        ticket = change_ticket(args, inventory, review, secrets)
    if args.format == "markdown":
        assert ticket is not None
        text = ticket[1] + (render_review(review, "markdown", True) if args.detail else "")
    else:
        text = render_review(review, args.format, args.detail)
    sys.stdout.write(mask(text, secrets))
    if args.diff:
        from estate.change.report import diff_report

        colour = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
        sys.stdout.write(mask(diff_report(review, colour), secrets))
    return ticket


def run(args: argparse.Namespace) -> int:
    ctx = context(args)
    review = reviewed(args, ctx)
    inventory, secrets = ctx[0], ctx[4]
    ticket = show_review(args, inventory, review, secrets)
    if args.save is not None:
        assert ticket is not None
        save_with_ticket(args, review, secrets, *ticket)
    return 0 if review.ok else 1


def change_ticket(args: argparse.Namespace, inventory: Any, review: Any, secrets: Any) -> tuple[str | None, str]:
    """(inventory commit, the ticket's markdown) for this review, cited against the plan that
    `--save` writes (its sha256 is computed the same way)."""
    from estate.change.plans import plan_document
    from estate.change.provenance import inventory_provenance
    from estate.change.ticket import TicketContext, estate_facts, ticket_markdown

    runs_dir = Path(getattr(args, "runs_dir", None) or "build/runs")
    provenance = inventory_provenance(Path(args.inventory), runs_dir, args.env)
    sha = plan_document(review, secrets, provenance.commit)["plan_sha256"]
    sites, roles = estate_facts(inventory, args.env)
    ctx = TicketContext(Path(args.inventory), runs_dir, args.save, sha, provenance, sites, roles)
    return provenance.commit, ticket_markdown(review, ctx)


def save_with_ticket(args: argparse.Namespace, review: Any, secrets: Any, commit: str | None, ticket: str) -> None:
    """The signed plan, and next to it `<plan>.md`: the ticket the board approves (0600, like
    the plan: it names every device's change)."""
    from estate.change.plans import PlanError, save_plan
    from estate.files import write_private
    from estate.secrets import mask

    try:
        save_plan(review, args.save, secrets, inventory_commit=commit)
    except PlanError as exc:
        raise UserError(str(exc)) from exc
    companion = ticket_path(args.save)
    write_private(companion, mask(ticket, secrets))
    sys.stderr.write(f"plan saved to {args.save}; its change ticket to {companion}\n")


def ticket_path(plan: Path) -> Path:
    return plan.with_name(plan.name + ".md")


def stack_outputs(path: Path) -> Any:
    """The stack outputs file, read and checked (`StackOutputs`), or a `UserError` naming its problems."""
    from estate.build.stack_outputs import StackOutputsError, load_stack_outputs

    try:
        return load_stack_outputs(path)
    except StackOutputsError as exc:
        raise UserError(f"the stack outputs {path} cannot be used:\n{exc}") from None
