"""The apply engine: configuration lines sent one at a time, each reply and prompt verified.

Owns `apply_lines` (stops at the first line whose reply is not a clean echo or whose prompt is
not the mode that line must leave the session in), the IOS-XE revert-timer session
(`begin_revert_session`, `confirm`, `revert_now`) and leaving configuration mode (`end_config`).

Why not netmiko's `send_config_set` with an error pattern: a device we have not seen can
refuse a line in words no pattern lists, and a line can silently move the session to another
mode (or out of configuration mode), after which every following line is typed somewhere it
was never meant to go. Here the *prompt* is the proof: after each line the session must be at
the configuration prompt that line's place in the sectional output calls for, and the reply
must be nothing but the echo (or a notice listed in `ACCEPTED_NOTICES`, as data). Navigation
(`exit`) is estate's own, sent only from a prompt just verified, so its effect is known; the
`exit` lines of hier_config's sectional output are not typed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from estate.change.diff import push_blocks
from estate.change.transcript import Transcript
from estate.secrets import resolve

# The last line of what a Cisco device sent, when it is a prompt: HOST#, HOST>, HOST(mode)#.
_PROMPT = re.compile(r"(?P<base>[^\s()#>]+)(?:\((?P<mode>[^()\s]+)\))?(?P<level>[#>])\s*")
_POLL = 0.002  # seconds between reads of a quiet channel: a line's reply takes ~1 ms on loopback
TOP = "config"
SECTIONAL_EXITS = frozenset({"exit", "exit-address-family"})
# A line that turns its section into a more specific mode rather than opening one below it: an
# IP SLA operation's type (`ip sla 10` / ` icmp-echo X` / ` frequency 5`, the settings typed in
# the type's mode, listed beside the type line); `exit` from it returns where the section's does.
REFINEMENTS: frozenset[tuple[str, str]] = frozenset({
    ("config-ip-sla", "config-ip-sla-echo"),
    ("config-ip-sla", "config-ip-sla-jitter"),
    ("config-ip-sla", "config-ip-sla-tcp"),
})

# Replies a device gives to lines it accepted. Each is (command, whole reply) fully matched,
# the reply with runs of whitespace folded to one space; any other reply stops the apply.
ACCEPTED_NOTICES: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    (re.compile(r"default interface \S+"), re.compile(r"Interface \S+ set to default configuration")),
    (re.compile(r"spanning-tree portfast( edge)?( trunk)?"),
     re.compile(r"%Warning: portfast should only be enabled on ports connected to a single host\. "
                r"Connecting hubs, concentrators, switches, bridges, etc\.\.\. to this interface when "
                r"portfast is enabled, can cause temporary bridging loops\. Use with CAUTION"
                r"( %Portfast has been configured on \S+ but will only have effect when the interface "
                r"is in a non-trunking mode\.)?")),
    (re.compile(r"vtp mode transparent"), re.compile(r"Setting device to VTP Transparent mode for VLANS\.")),
)
CONFIG_NOTICE = re.compile(r"Enter configuration commands, one per line\.\s+End with CNTL/Z\.")
# what `show archive config rollback timer` prints while a revert timer runs
_TIMER_ACTIVE = re.compile(r"^\s*Timer value\s*:", re.IGNORECASE | re.MULTILINE)


class ApplyRejected(Exception):  # noqa: N818 - the name the push flow codes against
    """The device did not accept `line` (1-based index `line_number` in the lines given; 0 for
    the session's state before the first line): `reply` is what it said (masked), `prompt`
    the prompt it was left at ("" when none arrived), `reason` estate's reading of it."""

    def __init__(self, line_number: int, line: str, reply: str, prompt: str, reason: str = "") -> None:
        self.line_number = line_number
        self.line = line
        self.reply = reply
        self.prompt = prompt
        self.reason = reason
        super().__init__(f"line {line_number} {line.strip()!r} not accepted: {reason or reply.strip()}"
                         + (f" (prompt {prompt})" if prompt else ""))


class SessionError(Exception):
    """A session step other than a config line failed (revert timer, confirm, leaving config)."""


@dataclass(frozen=True, slots=True)
class Prompt:
    text: str
    base: str
    mode: str | None  # None: EXEC (privileged or not)

    @property
    def configuring(self) -> bool:
        return self.mode is not None


@dataclass(frozen=True, slots=True)
class _Item:
    number: int  # 1-based index of its first line in the caller's lines
    depth: int
    lines: tuple[str, ...]  # one line, or a whole banner
    banner: bool
    has_children: bool


def _depths(lines: Sequence[str]) -> list[tuple[int, int, str]]:
    """(number, depth, line) of the lines to type, from their indentation; hier_config's own
    `exit` lines are left out (estate navigates itself, from verified prompts), and so is its
    sectional exit of a BGP address family (`exit-address-family`)."""
    found: list[tuple[int, int, str]] = []
    indents: list[int] = []
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text in SECTIONAL_EXITS:
            continue
        indent = len(line) - len(line.lstrip(" "))
        while indents and indents[-1] >= indent:
            indents.pop()
        found.append((number, len(indents), line))
        indents.append(indent)
    return found


def plan_items(lines: Sequence[str]) -> list[_Item]:
    """The lines grouped as they are typed: one item per line, one per banner (whose text lines
    sit at column 0 and are not configuration lines of their own)."""
    banners: dict[int, int] = {}  # first line number -> line count of a banner
    position = 0
    for is_banner, block in push_blocks(list(lines)):
        if not is_banner:
            continue
        start = list(lines).index(block[0], position)
        banners[start + 1] = len(block)
        position = start + len(block)
    items: list[_Item] = []
    numbered = _depths(lines)
    index = 0
    while index < len(numbered):
        number, depth, line = numbered[index]
        if number in banners:
            count = banners[number]
            items.append(_Item(number, 0, tuple(lines[number - 1:number - 1 + count]), True, False))
            while index < len(numbered) and numbered[index][0] < number + count:
                index += 1
            continue
        following = numbered[index + 1][1] if index + 1 < len(numbered) else 0
        items.append(_Item(number, depth, (line,), False, following > depth))
        index += 1
    return items


def parse_prompt(text: str) -> Prompt | None:
    found = _PROMPT.fullmatch(text.rstrip())
    if found is None:
        return None
    if found.group("level") == ">" and found.group("mode"):
        return None
    return Prompt(found.group(0).strip(), found.group("base"), found.group("mode"))


class _Channel:
    """Write a line, read to the next prompt of the expected device name."""

    def __init__(self, connection: Any, transcript: Transcript, timeout: float) -> None:
        self.connection = connection
        self.transcript = transcript
        self.timeout = timeout
        self.base: str = str(connection.base_prompt)

    def exchange(self, text: str, shown: str, *, config: bool = True,
                 base_ok: Callable[[str], bool] | None = None) -> tuple[list[str], Prompt | None]:
        """Send `text` (resolved; `shown` is what the transcript gets), read the reply up to
        the prompt: (reply lines before the prompt, prompt or None if none came in time)."""
        for line in shown.split("\n"):
            self.transcript.sent(line, config=config)
        self.connection.write_channel(text + "\n")
        accept = base_ok or (lambda base: base == self.base)
        buffer = ""
        deadline = time.monotonic() + self.timeout
        while True:
            chunk = self.connection.read_channel()
            if chunk:
                buffer += chunk
                tail = buffer.replace("\r", "").rsplit("\n", 1)
                prompt = parse_prompt(tail[-1])
                if prompt is not None and accept(prompt.base):
                    self.transcript.received(buffer)
                    before = tail[0].split("\n") if len(tail) == 2 else []
                    return before, prompt
            elif time.monotonic() > deadline:
                self.transcript.received(buffer)
                self.transcript.note(f"no prompt within {self.timeout:g}s")
                return buffer.replace("\r", "").split("\n"), None
            else:
                time.sleep(_POLL)


def _unexpected(sent: Sequence[str], reply: Sequence[str], allowed: Sequence[re.Pattern[str]] = ()) -> list[str]:
    """Reply lines that are neither the echo of a line sent nor, folded together, one of the
    notices `allowed` for it."""
    echoes = {line.strip() for line in sent}
    rest = [line for line in reply if line.strip() and line.strip() not in echoes]
    if not rest:
        return []
    folded = " ".join(" ".join(rest).split())
    if any(pattern.fullmatch(folded) for pattern in allowed):
        return []
    return rest


def _notices_for(line: str) -> list[re.Pattern[str]]:
    text = " ".join(line.split())
    return [reply for command, reply in ACCEPTED_NOTICES if command.fullmatch(text)]


def _hostname_base(line: str) -> Callable[[str], bool] | None:
    """A `hostname X` line changes the prompt: accept X (or IOS's truncation of it)."""
    found = re.fullmatch(r"hostname (\S+)", line.strip())
    if found is None:
        return None
    new = found.group(1)
    return lambda base: bool(base) and new.startswith(base)


def apply_lines(connection: Any, lines: Sequence[str], *, transcript: Transcript,
                secrets: Mapping[str, str], timeout: float) -> None:
    """Send `lines` (hier_config sectional output, placeholders resolved here) one by one from
    the global configuration prompt; raises `ApplyRejected` at the first line not accepted,
    leaving the session where that line put it (the caller reverts or rolls back)."""
    channel = _Channel(connection, transcript, timeout)
    reply, prompt = channel.exchange("", "", config=False)
    if prompt is None or prompt.mode != TOP or _unexpected([""], reply):
        raise ApplyRejected(0, "", _masked(reply, secrets), prompt.text if prompt else "",
                            "the session is not at the global configuration prompt")
    stack = [TOP]
    for item in plan_items(lines):
        while len(stack) > item.depth + 1:
            _exit_section(channel, stack, item, secrets)
        if len(stack) < item.depth + 1:  # its parent opened no sub-mode: caught there; kept as a guard
            raise ApplyRejected(item.number, item.lines[0], "", stack[-1], "its section was not entered")
        shown = "\n".join(item.lines)
        text = resolve(shown, secrets)
        base_ok = _hostname_base(text)
        reply, prompt = channel.exchange(text, shown, base_ok=base_ok)
        _check(item, text, (reply, prompt), stack, secrets)
        if base_ok is not None and prompt is not None:
            channel.base = prompt.base
            connection.base_prompt = prompt.base  # netmiko's later reads look for the new name


def _check(item: _Item, text: str, answer: tuple[list[str], Prompt | None], stack: list[str],
           secrets: Mapping[str, str]) -> None:
    """Accept the line (updating `stack` when it opened a sub-mode) or raise `ApplyRejected`."""
    sent = text.split("\n")
    reply, prompt = answer

    def reject(reason: str) -> ApplyRejected:
        return ApplyRejected(item.number, item.lines[0], _masked(reply, secrets), prompt.text if prompt else "",
                             reason)

    if prompt is None:
        raise reject("no prompt came back (the device stopped answering or the session dropped)")
    if not prompt.configuring:
        raise reject("the session dropped out of configuration mode to the EXEC prompt")
    allowed = [CONFIG_NOTICE] if item.banner else _notices_for(text)
    if item.banner:
        allowed.append(re.compile(r"Enter TEXT message\.\s+End with the character '.+'\."))
    unknown = _unexpected(sent, reply, allowed)
    if unknown:
        raise reject(f"the device replied {' / '.join(_masked(unknown, secrets))!r}")
    mode = prompt.mode
    assert mode is not None
    if mode == stack[-1]:
        if item.has_children:
            raise reject(f"expected a sub-mode for the lines below it, still at ({mode})")
        return
    if mode in stack:
        raise reject(f"the session left ({stack[-1]}) for ({mode})")
    if (stack[-1], mode) in REFINEMENTS and not item.has_children:
        stack[-1] = mode  # the section's own mode, refined: its next lines are typed there
        return
    if item.banner:
        raise reject(f"a banner left the session in ({mode})")
    stack.append(mode)  # a section opened (with children below, or an empty one such as `vlan 30`)


def _exit_section(channel: _Channel, stack: list[str], item: _Item, secrets: Mapping[str, str]) -> None:
    reply, prompt = channel.exchange("exit", "exit", config=False)
    if prompt is None or prompt.mode != stack[-2] or _unexpected(["exit"], reply):
        raise ApplyRejected(item.number, "exit", _masked(reply, secrets), prompt.text if prompt else "",
                            f"leaving ({stack[-1]}) did not return to ({stack[-2]})")
    stack.pop()


def _masked(lines: Sequence[str], secrets: Mapping[str, str]) -> str:
    from estate.secrets import mask

    return mask("\n".join(line for line in lines if line.strip()), secrets)


def _exec(channel: _Channel, command: str) -> tuple[list[str], Prompt]:
    reply, prompt = channel.exchange(command, command, config=False)
    if prompt is None:
        raise SessionError(f"no prompt after {command!r} within {channel.timeout:g}s")
    return reply, prompt


def archive_path(connection: Any, transcript: Transcript, timeout: float = 30.0) -> str | None:
    """The `archive` section's `path`, or None when the revert timer has nowhere to keep the
    configuration it would go back to."""
    channel = _Channel(connection, transcript, timeout)
    reply, _ = _exec(channel, "show running-config | section ^archive")
    for line in reply:
        found = re.match(r"^\s+path\s+(\S+)", line)
        if found:
            return found.group(1)
    return None


def timer_active(connection: Any, transcript: Transcript, timeout: float = 30.0) -> bool:
    channel = _Channel(connection, transcript, timeout)
    reply, _ = _exec(channel, "show archive config rollback timer")
    return bool(_TIMER_ACTIVE.search("\n".join(reply)))


def begin_revert_session(connection: Any, minutes: int, transcript: Transcript, timeout: float = 30.0) -> None:
    """From privileged EXEC: check `archive` has a path, enter `configure terminal revert timer
    <minutes>` and prove the timer runs; the session is left at the global configuration prompt."""
    if archive_path(connection, transcript, timeout) is None:
        raise SessionError("no `archive` path configured: the revert timer cannot run (configure "
                           "`archive` / ` path flash:archive/` once per device, or deliver it in the config first)")
    channel = _Channel(connection, transcript, timeout)
    command = f"configure terminal revert timer {minutes}"
    reply, prompt = _exec(channel, command)
    notices = [CONFIG_NOTICE, re.compile(r"(Rollback Confirmed Change: .*|Backing up .*)( .+)*")]
    if prompt.mode != TOP or _unexpected([command], reply, notices):
        raise SessionError(f"{command!r} did not open a configuration session (prompt {prompt.text}, "
                           f"reply {' / '.join(line for line in reply if line.strip())!r})")
    reply, prompt = _exec(channel, "do show archive config rollback timer")
    if prompt.mode != TOP or not _TIMER_ACTIVE.search("\n".join(reply)):
        raise SessionError("the revert timer is not running after "
                           f"{command!r}: nothing would undo a lock-out (prompt {prompt.text})")


def end_config(connection: Any, transcript: Transcript, timeout: float = 30.0) -> None:
    """Leave configuration mode (`end` works from any sub-mode), verified at privileged EXEC."""
    channel = _Channel(connection, transcript, timeout)
    reply, prompt = _exec(channel, "end")
    if prompt.configuring or not prompt.text.endswith("#") or _unexpected(["end"], reply):
        raise SessionError(f"`end` did not return to privileged EXEC (prompt {prompt.text})")


def confirm(connection: Any, transcript: Transcript, timeout: float = 30.0) -> None:
    """`configure confirm` at privileged EXEC, then prove no revert timer is left running."""
    _timer_command(connection, transcript, "configure confirm", timeout)


def revert_now(connection: Any, transcript: Transcript, timeout: float = 30.0) -> None:
    """`configure revert now`: back to the configuration before the revert session, proven by
    the timer being gone (the caller re-reads the config to compare with its backup)."""
    _timer_command(connection, transcript, "configure revert now", timeout)


def _timer_command(connection: Any, transcript: Transcript, command: str, timeout: float) -> None:
    channel = _Channel(connection, transcript, timeout)
    reply, prompt = _exec(channel, command)
    if prompt.configuring:
        raise SessionError(f"{command!r} must be typed at privileged EXEC, the session is at {prompt.text}")
    if _unexpected([command], reply, [re.compile(r"(Rollback|Confirm|Revert).*", re.IGNORECASE)]):
        raise SessionError(f"{command!r} was answered {' / '.join(x for x in reply if x.strip())!r}")
    if timer_active(connection, transcript, timeout):
        raise SessionError(f"a revert timer still runs after {command!r}")
