"""`estate`: the command line. Each subcommand lives in its own module with `add_parser`.

Exit codes: what the subcommand returns; 2 for a user error (one line, no traceback); 1 for an
internal error (a short line naming a private log file that holds the traceback); 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path

from estate import __version__
from estate.build.render import RenderError
from estate.change.plans import PlanError
from estate.cli.common import UserError
from estate.inventory.inventory import UnknownEnvironmentError, UnknownSiteError
from estate.lab.state import LabError
from estate.problems import InventoryError
from estate.secrets import MissingSecretError, SecretValueError

SUBCOMMANDS = ("validate", "render", "lab", "review", "push", "rollback", "runs", "capacity", "staffing", "plan",
               "backup", "completion", "docs", "compliance", "site", "schema")
EXIT_INTERNAL_ERROR = 1
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130

# Exceptions whose message is the whole story for the user.
USER_ERRORS: tuple[type[Exception], ...] = (
    UserError, UnknownEnvironmentError, UnknownSiteError, RenderError, MissingSecretError, SecretValueError, LabError,
    PlanError,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="estate", description="Source of truth, site configs, change reviews and cloud stacks for the estate."
    )
    parser.add_argument("--version", action="version", version=f"estate {__version__}")
    _add_verbosity(parser, 0)
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"estate.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"estate.cli.{name}":
                continue  # subcommand not built yet
            raise
        module.add_parser(subparsers)
    for sub in subparsers.choices.values():
        # after the subcommand too (`estate push -v`); SUPPRESS keeps a count given before it
        _add_verbosity(sub, argparse.SUPPRESS)
    return parser


def _add_verbosity(parser: argparse.ArgumentParser, default: object) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-v", "--verbose", action="count", default=default,
                       help="more detail: per failed device its last line sent, transcript and backup")
    group.add_argument("-q", "--quiet", action="count", default=default,
                       help="less: the verdict and the devices that need attention")


LOG_DIR_ENV = "ESTATE_LOG_DIR"
# environment variables whose values are secrets: masked in every log line (estate.change.fetch and
# estate.secrets name them; the prefixes cover names added later)
SECRET_ENV_PREFIXES = ("ESTATE_SECRET_", "ESTATE_SSH_", "ESTATE_ENABLE_SECRET")


def log_dir() -> Path:
    """Where internal-error logs go: $ESTATE_LOG_DIR, else the XDG state folder."""
    if os.environ.get(LOG_DIR_ENV):
        return Path(os.environ[LOG_DIR_ENV])
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "estate" / "logs"


def _secret_values() -> dict[str, str]:
    # straight from the environment: a value estate.secrets would refuse must still be masked
    values = {k: v for k, v in os.environ.items() if k.startswith(SECRET_ENV_PREFIXES) and v}
    # a value pasted with surrounding spaces must not escape the mask by its trimmed form
    values.update({f"{k}:stripped": v.strip() for k, v in list(values.items()) if v.strip()})
    return values


def _masked(text: str) -> str:
    from estate.secrets import mask

    return mask(text, _secret_values())


def internal_error(exc: BaseException, argv: Sequence[str]) -> str:
    """Write the traceback to a private log file; return the short line for the terminal."""
    first = _masked(str(exc)).strip().splitlines()
    summary = f"{type(exc).__name__}: {first[0]}" if first else type(exc).__name__
    report = "\n".join([
        f"estate {__version__}, Python {sys.version.split()[0]}",
        f"command: estate {' '.join(argv)}",
        "",
        "".join(traceback.format_exception(exc)),
    ])
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    try:
        from estate.files import private_dir, write_private

        path = private_dir(log_dir()) / f"estate-{stamp}-{os.getpid()}.log"
        write_private(path, _masked(report))
    except OSError as log_failure:
        # no log to point at: the traceback goes to the terminal rather than nowhere
        return (f"{_masked(report)}estate: internal error: {summary} "
                f"(could not write a log under {log_dir()}: {log_failure.strerror})")
    return f"estate: internal error: {summary}; details in {path}"


def _paths(value: object) -> Iterator[Path]:
    if isinstance(value, Path):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _paths(item)


def user_os_error(exc: OSError, args: argparse.Namespace | None) -> str | None:
    """The message for an OSError on a path the command line named (or a file inside such a
    folder, or the temporary sibling of such a file); None when it is estate's own fault."""
    if args is None or not isinstance(exc.filename, str | os.PathLike):
        return None
    failed = Path(exc.filename).resolve()
    for given in (p for value in vars(args).values() for p in _paths(value)):
        base = given.resolve()
        sibling = failed.parent == base.parent and failed.name.startswith(f".{base.name}.")
        if failed == base or failed.is_relative_to(base) or sibling:
            return f"{exc.filename}: {exc.strerror or exc}"
    return None


def _one_line(text: str) -> str:
    # a message that spans lines could pass for output of its own; keep the error one line
    return " ".join(text.split())


def report_failure(exc: Exception, args: argparse.Namespace | None, argv: Sequence[str]) -> int:
    """Tell the user what went wrong on stderr; the exit code."""
    if isinstance(exc, InventoryError):
        sys.stderr.write(exc.report() + "\n")
        return EXIT_USER_ERROR
    message = str(exc) if isinstance(exc, USER_ERRORS) else None
    if isinstance(exc, OSError) and message is None:
        message = user_os_error(exc, args)
    if message is None:
        sys.stderr.write(internal_error(exc, argv) + "\n")
        return EXIT_INTERNAL_ERROR
    sys.stderr.write(f"estate: error: {_one_line(message)}\n")
    return EXIT_USER_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    args: argparse.Namespace | None = None
    try:
        args = build_parser().parse_args(arguments)  # bad arguments: argparse exits 2 itself
        code: int = args.func(args)
    except KeyboardInterrupt:
        sys.stderr.write("estate: interrupted\n")
        return EXIT_INTERRUPTED
    except Exception as exc:  # the last line of defence: every failure gets a clear end
        return report_failure(exc, args, arguments)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
