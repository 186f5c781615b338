"""`estate compliance`: per site and per feature (template partial), is each device what the
standard says? Reads running configs as `review` does (live, `--lab` or `--running-from`);
touches nothing.

Exit codes: 0 report written (whatever it found), 1 some device unreachable or not diffable,
2 user error.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from estate.cli.common import UserError
from estate.cli.review import add_review_arguments, context

FORMATS = ("text", "csv", "json", "html")


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "compliance", help="per site and feature: compliant, drifted or missing (changes nothing)")
    add_review_arguments(parser)
    # review's --format choices do not fit: the last definition of an option would clash
    for action in parser._actions:
        if action.dest == "format":
            action.choices = FORMATS
            action.help = "text table (default), csv (a row per device and feature), json, or one html file"
    parser.add_argument("--changed-only", action="store_true",
                        help="only the devices that are not compliant (the percentages still cover all)")
    parser.add_argument("--out", default=None, metavar="FILE", help="write the report here instead of stdout")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from estate.change.compliance import compliance_environment
    from estate.change.compliance_html import csv_report, html_report, json_report, text_report
    from estate.change.fetch import FetchError
    from estate.cli.progress import progress_bar
    from estate.files import atomic_write
    from estate.secrets import mask

    inventory, selection, credentials, settings, secrets, risk = context(args)
    try:
        with progress_bar(f"reading {args.env}", "devices", quiet=int(getattr(args, "quiet", 0) or 0)) as progress:
            report = compliance_environment(inventory, selection, credentials=credentials, settings=settings,
                                            secrets=secrets, risk=risk, progress=progress)
    except FetchError as exc:
        raise UserError(str(exc)) from exc
    ok = all(d.error is None for d in report.devices)
    shown = report.changed_only() if args.changed_only else report
    render = {"text": text_report, "csv": csv_report, "json": json_report, "html": html_report}[args.format]
    text = mask(render(shown), secrets)
    if args.out is None:
        sys.stdout.write(text)
    else:
        out = Path(args.out)
        if not out.parent.is_dir():
            raise UserError(f"--out {out}: folder {out.parent} does not exist")
        atomic_write(out, text.encode())
        sys.stderr.write(f"compliance report ({args.format}) written to {out}: {report.percent:.1f} % compliant\n")
    return 0 if ok else 1
