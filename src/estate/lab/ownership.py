"""Proof that a process is this lab's server, before anything signals it.

A pid alone proves nothing: after the lab dies the number is reused, and `lab.json` may have
been edited. `lab.json` (0600) therefore records three things, and a process is the lab's only
when all three agree:

* its pid;
* the process's start time (field 22 of ``/proc/<pid>/stat``, clock ticks since boot), which
  a reused pid does not share;
* a random token that only the lab server received (on its stdin). The server answers a
  challenge on a unix socket in the state folder with its own pid and HMAC(token, nonce).

A unix socket rather than a loopback port: it lives in the 0700 state folder, so no other user
can connect to it or put a socket of their own there, and it cannot be taken over by another
process after the lab dies the way a freed TCP port can. The token never crosses the socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import os
import secrets
import socket
from enum import StrEnum
from pathlib import Path

CONTROL_SOCKET = "control.sock"
MAX_SOCKET_PATH = 107  # sun_path holds 108 bytes with its terminating NUL
_TIMEOUT = 2.0


class Ownership(StrEnum):
    OURS = "ours"  # pid, start time and token all agree: this lab's server
    GONE = "gone"  # no such process: the lab is not running
    FOREIGN = "foreign"  # a live process that is not the recorded one (pid reused, or unprovable)
    SILENT = "silent"  # the recorded process (same pid and start time) does not answer


def new_token() -> str:
    return secrets.token_hex(32)


def process_start(pid: int) -> int | None:
    """The process's start time in clock ticks since boot; None if there is no such process
    or it is a zombie (it has exited, only its exit status is left)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # the command name (field 2) is in parentheses and may itself hold spaces or parentheses
    fields = raw[raw.rfind(")") + 2 :].split()
    if len(fields) < 20 or fields[0] in ("Z", "X"):
        return None
    try:
        return int(fields[19])
    except ValueError:
        return None


def answer(token: str, nonce: str) -> str:
    return hmac.new(token.encode(), nonce.encode(), hashlib.sha256).hexdigest()


def socket_path(state_dir: Path) -> Path:
    path = state_dir.resolve() / CONTROL_SOCKET
    if len(os.fsencode(path)) > MAX_SOCKET_PATH:
        from estate.lab.state import LabError

        raise LabError(f"state folder path too long for the lab's control socket ({path}); use a shorter --state-dir")
    return path


def ask(path: Path, token: str, pid: int) -> bool:
    """True if the server listening at `path` is process `pid` and holds `token`."""
    nonce = secrets.token_hex(16)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(_TIMEOUT)
            client.connect(str(path))
            client.sendall(f"{nonce}\n".encode())
            reply = b""
            while not reply.endswith(b"\n") and len(reply) < 256:
                chunk = client.recv(256)
                if not chunk:
                    break
                reply += chunk
    except OSError:
        return False
    parts = reply.decode("ascii", errors="replace").split()
    return (len(parts) == 2 and parts[0] == str(pid)
            and hmac.compare_digest(parts[1], answer(token, nonce)))


def ownership(pid: int, start: int | None, token: str | None, state_dir: Path) -> Ownership:
    actual = process_start(pid)
    if actual is None:
        return Ownership.GONE
    if start is None or token is None or actual != start:
        return Ownership.FOREIGN
    return Ownership.OURS if ask(socket_path(state_dir), token, pid) else Ownership.SILENT


async def serve_control(path: Path, token: str) -> asyncio.AbstractServer:
    """Answer challenges at `path` until the returned server is closed (the lab server side)."""
    if path.is_socket():
        path.unlink()  # a previous lab's, left by a kill -9; anything else at the path stays

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):  # a bad client gets nothing and never stops the lab
            line = await asyncio.wait_for(reader.readline(), _TIMEOUT)
            nonce = line.decode("ascii").strip()
            if 0 < len(nonce) <= 128:
                writer.write(f"{os.getpid()} {answer(token, nonce)}\n".encode())
                await writer.drain()
        writer.close()

    server = await asyncio.start_unix_server(handle, path=str(path))
    path.chmod(0o600)
    return server
