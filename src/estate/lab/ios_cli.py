"""A pure, synchronous IOS-XE command line: one :class:`DeviceState` per simulated device
(running and startup config, model, enable secret) and one :class:`CliSession` per SSH shell
(mode, prompt, pending questions). No I/O here: the SSH server feeds lines in and writes the
:class:`Reply` text out, so every behaviour is testable without a socket.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from estate.lab import archive, operational
from estate.lab.config_tree import ConfigTree, Node, banner_parts, shown_form, words
from estate.lab.encryption import HIDDEN_PREFIXES, encrypt_words, is_master_key, strip_master_key
from estate.lab.faults import DropAfterChange, Faults
from estate.lab.modes import (
    CLAIMED_WORDS,
    GLOBAL_KEYWORDS,
    GLOBAL_PAIRS,
    INTERFACE_IP_WORDS,
    INTERFACE_IPV6_WORDS,
    INTERFACE_SNOOPING_WORDS,
    PHYSICAL_FAMILIES,
    STRICT_MODES,
    generic_mode,
    interface_family,
    mode_for,
    normalize_interface,
    refined_mode,
)
from estate.lab.platform import DEFAULT_SOFTWARE, show_version

IOS_VERSION = DEFAULT_SOFTWARE
CONFIG_BANNER = "Enter configuration commands, one per line.  End with CNTL/Z."
INVALID_INPUT = "% Invalid input detected at '^' marker."
INCOMPLETE = "% Incomplete command."
DEFAULT_VLAN = "%Default VLAN 1 may not be deleted."


class DeviceState:
    """Everything a device remembers across sessions. Guard edits with :attr:`lock`.

    ``peers`` (hostname → device, the lab's other devices) lets operational ``show`` commands
    see the far end of a link; ``clock`` and ``minute_seconds`` drive the revert timer.
    """

    def __init__(
        self,
        hostname: str,
        model: str,
        config_text: str,
        enable_secret: str,
        *,
        software: str | None = None,
        extra_aps: tuple[str, ...] = (),
        master_key: bool = False,
    ) -> None:
        self.default_hostname = hostname
        self.model = model
        self.software = software or DEFAULT_SOFTWARE
        self.enable_secret = enable_secret
        self.master_key = master_key
        self.running = self._parse(config_text)
        self.startup = self.running.copy()
        self.booted_at = time.time()
        self.lock = threading.RLock()
        digest = hashlib.sha256(hostname.encode()).hexdigest().upper()
        self.serial = "FOC" + digest[:8]
        self.mac = ".".join(digest[i : i + 4].lower() for i in (8, 12, 16))
        self.clock: Callable[[], float] = time.monotonic
        self.minute_seconds = 60.0
        self.pending: archive.PendingRevert | None = None
        self.archive_count = 0
        self.peers: dict[str, DeviceState] = {}
        self.extra_aps = extra_aps
        self.drop_fault: DropAfterChange | None = None
        self.drop_baseline: str | None = None
        self.reported: tuple[str | None, str | None] = (None, None)
        self.cut: tuple[tuple[str, ...], str] | None = None

    def _parse(self, text: str) -> ConfigTree:
        text, has_key = strip_master_key(text)
        self.master_key = self.master_key or has_key
        tree = ConfigTree.parse(text)
        aes = self.master_key and tree.find(["password encryption aes"]) is not None
        encrypt_tree(tree.nodes, self.default_hostname, aes)  # as if each line had been typed
        return tree

    @property
    def hostname(self) -> str:
        return self.running.hostname() or self.default_hostname

    @property
    def shown_model(self) -> str:
        return self.reported[0] or self.model

    @property
    def shown_software(self) -> str:
        return self.reported[1] or self.software

    def running_config(self) -> str:
        """What ``show running-config`` prints (write-only lines left out)."""
        with self.lock:
            self.tick()
            return self.running.render(hide=HIDDEN_PREFIXES)

    def stored_config(self) -> str:
        """Everything the device holds, including lines it never shows."""
        with self.lock:
            self.tick()
            return self.running.render()

    def startup_config(self) -> str:
        with self.lock:
            return self.startup.render(hide=HIDDEN_PREFIXES)

    def set_running_config(self, text: str) -> None:
        with self.lock:
            self.running = self._parse(text)

    def tick(self) -> bool:
        """Carry out a revert whose timer has run out; True if one happened."""
        with self.lock:
            if self.pending is not None and self.clock() >= self.pending.deadline:
                self.revert()
                return True
            return False

    def revert(self) -> None:
        """Put back the running config of the pending Rollback Confirmed Change."""
        with self.lock:
            if self.pending is not None:
                self.running, self.pending = self.pending.snapshot, None

    def encrypts(self) -> bool:
        return self.master_key and self.running.find(["password encryption aes"]) is not None

    def arm_drop(self, fault: DropAfterChange | None) -> None:
        with self.lock:
            if fault != self.drop_fault:
                self.drop_fault, self.drop_baseline = fault, None

    def dropped_active(self) -> bool:
        """A change has been made since the drop fault was armed, and it is still in place."""
        return self.drop_baseline is not None and self.running.render() != self.drop_baseline

    def dropped_ports(self) -> frozenset[str]:
        fault = self.drop_fault
        if fault is None or fault.member is None or not self.dropped_active():
            return frozenset()
        return frozenset({normalize_interface(fault.member) or fault.member})

    def management_cut(self) -> bool:
        """The ``cut_management_after`` line's effect is still in the running config."""
        with self.lock:
            self.tick()
            if self.cut is None:
                return False
            path, line = self.cut
            parts = words(line)
            held = self.running.find([*path, line]) is not None
            if parts[0] == "no" and len(parts) > 1:  # a removal holds while the removed line stays away
                held = held or self.running.find([*path, " ".join(parts[1:])]) is None
            if not held:
                self.cut = None
            return held

    def set_startup_config(self, text: str) -> None:
        with self.lock:
            self.startup = ConfigTree.parse(text)

    def save(self) -> None:
        with self.lock:
            self.startup = self.running.copy()

    def has_physical_interfaces(self) -> bool:
        return any(_physical_header(node.text) for node in self.running.nodes)


@dataclass(frozen=True)
class Reply:
    """What the device sends after the echoed line break: output, then the next prompt."""

    text: str
    close: bool = False
    config_line: bool = False
    hang: bool = False
    """The management path is cut: nothing more is sent on this session."""


@dataclass
class _Frame:
    header: str
    mode: str


@dataclass
class _Banner:
    raw: list[str]
    delimiter: str


_Pending = Literal["enable-secret", "copy-destination"]


@dataclass(frozen=True)
class _ExecCommand:
    keywords: tuple[str, ...]
    privileged: bool
    takes_args: bool
    handler: Callable[[CliSession, list[str]], str | None]


@dataclass
class CliSession:
    """One interactive shell on a device: call :meth:`handle_line` with each line typed."""

    device: DeviceState
    faults: Callable[[], Faults] = field(default=Faults)
    user: str = "estate"
    privileged: bool = False
    configuring: bool = False
    frames: list[_Frame] = field(default_factory=list)
    config_lines: int = 0
    changed: bool = False
    """A config line has been applied in this session."""
    _refused: bool = False
    _line: str = ""
    _pending: _Pending | None = None
    _pending_text: str = ""
    _closing: bool = False
    _banner: _Banner | None = None

    @property
    def echo(self) -> bool:
        """False while the device waits for a secret (IOS does not echo it)."""
        return self._pending != "enable-secret"

    @property
    def mode(self) -> str:
        if not self.configuring:
            return "exec" if self.privileged else "user"
        return self.frames[-1].mode if self.frames else "config"

    def prompt(self) -> str:
        host = self.device.hostname
        if not self.configuring:
            return host + ("#" if self.privileged else ">")
        return f"{host}({self.mode})#"

    def greeting(self) -> str:
        return "\r\n" + self.prompt()

    def handle_line(self, line: str) -> Reply:
        with self.device.lock:
            self.device.tick()
            return self._dispatch(line.rstrip("\r\n"))

    def _dispatch(self, line: str) -> Reply:
        if self._pending == "enable-secret":
            return self._answer_secret(line)
        if self._pending == "copy-destination":
            return self._answer_copy(line)
        if self._banner is not None:
            return self._banner_line(line)
        if self.configuring:
            return self._config_line(line)
        return self._exec_line(line)

    def _reply(self, *output: str, config_line: bool = False) -> Reply:
        text = "\n".join(output).replace("\r\n", "\n").replace("\n", "\r\n")
        if text:
            text += "\r\n"
        return Reply(text + self.prompt(), config_line=config_line)

    def _invalid(self, line: str, column: int, config_line: bool = False) -> Reply:
        self._refused = True
        caret = " " * (len(self.prompt()) + column) + "^"
        return self._reply(caret, INVALID_INPUT + "\n", config_line=config_line)

    def invalid_word(self, index: int) -> str:
        """The caret and message for the ``index``-th word of the EXEC line being run."""
        return " " * (len(self.prompt()) + _word_column(self._line, index)) + "^\n" + INVALID_INPUT + "\n"

    def _answer_secret(self, line: str) -> Reply:
        self._pending = None
        if hmac.compare_digest(line.encode(), self.device.enable_secret.encode()):
            self.privileged = True
            return self._reply()
        return self._reply("% Access denied\n")

    def _answer_copy(self, line: str) -> Reply:
        self._pending = None
        if line.strip() not in {"", "startup-config"}:
            return self._reply("%Error opening " + line.strip() + " (Permission denied)")
        self.device.save()
        return self._reply("Building configuration...", "[OK]")

    def _exec_line(self, line: str) -> Reply:
        self._line = line
        command, _, pipe = line.partition(" | ")
        parts = words(command)
        if not parts:
            return self._reply()
        found, args, failed_at = _match_exec(parts, self.privileged)
        if found is None or (args and not found.takes_args):
            index = failed_at if found is None else len(found.keywords)
            return self._invalid(line, _word_column(line, index))
        output = found.handler(self, args)
        if output is None:
            return Reply("", close=True) if self._closing else Reply(self._pending_text)
        if pipe:
            output = _apply_pipe(output, pipe)
        return self._reply(output)

    def _config_line(self, line: str) -> Reply:
        stripped = line.strip()
        if not stripped or stripped.startswith("!"):
            return self._reply(config_line=bool(stripped))
        self.config_lines += 1
        parts = words(stripped)
        control = self._config_control(stripped, parts)
        if control is not None:
            return control
        if self.frames and self.device.running.children_at([f.header for f in self.frames]) is None:
            self.frames.clear()  # a revert took the section away under this session
        faults = self.faults()
        level = self._level_for(line, parts)
        if level < 0 or faults.rejects(stripped):
            return self._invalid(line, _word_column(line, 0), config_line=True)
        custom = faults.rejection(stripped)
        if custom is not None:
            return self._reply(custom, config_line=True)
        del self.frames[level:]
        return self._after_apply(stripped, faults, self._apply_tracked(line, parts))

    def _apply_tracked(self, line: str, parts: list[str]) -> Reply:
        device = self.device
        armed = device.drop_fault is not None and device.drop_baseline is None
        before = device.running.render() if armed else ""
        self._refused = False
        reply = self._apply(line, parts)
        if not self._refused:
            self.changed = True
            if armed and device.running.render() != before:
                device.drop_baseline = before
        return reply

    def _after_apply(self, stripped: str, faults: Faults, reply: Reply) -> Reply:
        """Faults that act once a line has been applied."""
        if self._refused:
            return reply
        if faults.cuts_after(stripped):
            path = tuple(frame.header for frame in self.frames)
            if self.frames and self.frames[-1].header == " ".join(words(stripped)):
                path = path[:-1]  # the line opened a section: its effect is the section itself
            self.device.cut = (path, " ".join(words(stripped)))
            return Reply("", config_line=True, hang=True)
        if faults.exits_after(stripped):
            self.configuring = False
            self.frames.clear()
            return self._reply(config_line=True)
        return reply

    def _config_control(self, stripped: str, parts: list[str]) -> Reply | None:
        """``end``, Ctrl-Z, ``exit`` and ``do``: lines that move between modes."""
        first = parts[0].lower()
        if first in {"end", "\x1a"} and len(parts) == 1:
            return self._end_config()
        if first == "exit" and len(parts) == 1:
            if not self.frames:
                return self._end_config()
            self.frames.pop()
            return self._reply(config_line=True)
        if first == "exit-address-family" and len(parts) == 1 and self.frames \
                and self.frames[-1].mode in {"config-router-af", "config-vrf-af"}:
            self.frames.pop()  # IOS shows it closing each address family; typed, it leaves one
            return self._reply(config_line=True)
        if first == "do" and len(parts) > 1:
            reply = self._exec_line(stripped[2:].strip())
            return Reply(reply.text, reply.close, config_line=True)
        return None

    def _end_config(self) -> Reply:
        self.configuring = False
        self.frames.clear()
        return self._reply(config_line=True)

    def _level_for(self, line: str, parts: list[str]) -> int:
        """How many sub-modes the line stays inside; -1 when it is invalid everywhere."""
        indent = len(line) - len(line.lstrip(" \t"))
        if indent and self.frames:
            level = min(indent, len(self.frames))
            mode = self.frames[level - 1].mode
            return level if mode not in STRICT_MODES or _plausible_child(mode, parts) else -1
        for level in range(len(self.frames), 0, -1):
            if _plausible_child(self.frames[level - 1].mode, parts):
                return level
        return 0 if parts[0].lower() in GLOBAL_KEYWORDS else -1

    def _apply(self, line: str, parts: list[str]) -> Reply:
        path = [frame.header for frame in self.frames]
        first = parts[0].lower()
        if first in {"no", "default"}:
            if len(parts) == 1:
                self._refused = True
                return self._reply(INCOMPLETE + "\n", config_line=True)
            return self._negate(line, parts, path)
        if not path and first == "banner":
            return self._start_banner(line.strip())
        if not path and is_master_key(parts):
            self.device.master_key = True  # kept outside the config, as IOS keeps it
            return self._reply(config_line=True)
        return self._add(line, path, shown_form(encrypt_words(self.device.hostname, parts, self.device.encrypts())))

    def _add(self, line: str, path: list[str], parts: list[str]) -> Reply:
        tree = self.device.running
        first = parts[0].lower()
        stripped = " ".join(parts)
        refined = refined_mode(parts, self.frames[-1].mode) if self.frames else None
        if refined is not None:
            tree.add(path, stripped)
            self.frames[-1].mode = refined
            return self._reply(config_line=True)
        mode = mode_for(parts, self.frames[-1].mode if self.frames else "config")
        existing = tree.find([*path, stripped])
        if mode is None and existing is not None and existing.children:
            mode = generic_mode(parts)
        if mode is not None and existing is not None:
            # an IP SLA operation that has its type is entered in the type's mode
            mode = next((found for child in existing.children
                         if (found := refined_mode(words(child.text), mode)) is not None), mode)
        if mode is None:
            tree.add(path, stripped)
            return self._reply(config_line=True)
        if first == "interface" and not path:
            header = self._interface_header(parts)
            if header is None:
                return self._invalid(line, _word_column(line, 1), config_line=True)
            stripped = header
        tree.add(path, stripped, header=True)
        self.frames.append(_Frame(stripped, mode))
        return self._reply(config_line=True)

    def _interface_header(self, parts: list[str]) -> str | None:
        """``interface <name>`` with the name expanded; None for an unknown or absent port
        (a physical port that the device does not have cannot be created)."""
        # `interface Virtual-Template1 type tunnel`: the words after the name stay in the header
        trailing = parts[2:] if len(parts) > 3 and parts[2].lower() == "type" else []
        name = normalize_interface(" ".join(parts[1 : len(parts) - len(trailing)]))
        if name is None:
            return None
        header = " ".join(["interface", name, *trailing])
        if (
            interface_family(name) in PHYSICAL_FAMILIES
            and self.device.running.find([header]) is None
            and self.device.has_physical_interfaces()
        ):
            return None
        return header

    def _negate(self, line: str, parts: list[str], path: list[str]) -> Reply:
        tree = self.device.running
        verb, target = parts[0].lower(), parts[1:]
        if not path and verb == "no" and target[0].lower() == "vlan" and len(target) > 1 and _has_vlan_1(target[1]):
            self._refused = True
            return self._reply(DEFAULT_VLAN, config_line=True)
        if not path and verb == "no" and is_master_key(target):
            self.device.master_key = False
            return self._reply(config_line=True)
        if target[0].lower() == "interface" and len(target) > 1:
            name = normalize_interface(" ".join(target[1:]))
            if name is None:
                return self._invalid(line, _word_column(line, 2), config_line=True)
            target = ["interface", name]
            if verb == "default":
                tree.reset_section([" ".join(target)])
                return self._reply(f"Interface {name} set to default configuration", config_line=True)
        tree.remove(path, " ".join(target))
        return self._reply(config_line=True)

    def _start_banner(self, line: str) -> Reply:
        parts = banner_parts(line)
        if parts is None:
            return self._invalid(line, _word_column(line, 2), config_line=True)
        _kind, delimiter, after = parts
        if delimiter in after:
            self.device.running.add_banner([line])
            return self._reply(config_line=True)
        self._banner = _Banner([line], delimiter)
        shown = delimiter if delimiter != "^C" else "^C"
        return Reply(f"Enter TEXT message.  End with the character '{shown}'.\r\n", config_line=True)

    def _banner_line(self, line: str) -> Reply:
        assert self._banner is not None
        self._banner.raw.append(line)
        self.config_lines += 1
        if self._banner.delimiter not in line:
            return Reply("", config_line=True)
        self.device.running.add_banner(self._banner.raw)
        self._banner = None
        return self._reply(config_line=True)

    def enter_config(self) -> str:
        self.configuring = True
        self.frames.clear()
        return CONFIG_BANNER

    def ask_secret(self) -> None:
        self._pending = "enable-secret"
        self._pending_text = "Password: "

    def ask_copy_destination(self) -> None:
        self._pending = "copy-destination"
        self._pending_text = "Destination filename [startup-config]? "

    def close(self) -> None:
        self._closing = True


def encrypt_tree(nodes: list[Node], hostname: str, aes: bool = True) -> None:
    for node in nodes:
        if node.raw is None:
            parts = words(node.text)
            stored = encrypt_words(hostname, parts, aes)
            if stored != parts:
                node.text = " ".join(stored)
            encrypt_tree(node.children, hostname, aes)


def _has_vlan_1(vlans: str) -> bool:
    """Whether a VLAN list such as ``1``, ``1-5`` or ``10,1`` includes VLAN 1."""
    for item in vlans.split(","):
        low, _, high = item.partition("-")
        if low.isdigit() and (int(low) == 1 or (high.isdigit() and int(low) <= 1 <= int(high))):
            return True
    return False


def _physical_header(text: str) -> bool:
    parts = text.split()
    return len(parts) == 2 and parts[0] == "interface" and interface_family(parts[1]) in PHYSICAL_FAMILIES


def _plausible_child(mode: str, parts: list[str]) -> bool:
    first = parts[0].lower()
    if first in {"no", "default"} and len(parts) > 1:
        return _plausible_child(mode, parts[1:])
    second = parts[1].lower() if len(parts) > 1 else ""
    if mode in {"config-if", "config-if-range"} and first in {"ip", "ipv6"}:
        allowed = INTERFACE_IP_WORDS if first == "ip" else INTERFACE_IPV6_WORDS
        if second in {"dhcp", "arp"} and first == "ip":
            third = parts[3].lower() if len(parts) > 3 else ""
            return third in INTERFACE_SNOOPING_WORDS or (second == "dhcp" and third == "")
        return second in allowed
    if mode in STRICT_MODES or mode == "config-if-range":
        return first in STRICT_MODES.get(mode, STRICT_MODES["config-if"]) and (first, second) not in GLOBAL_PAIRS
    claimed = CLAIMED_WORDS.get(mode, frozenset())
    if first in claimed or f"{first} {second}" in claimed:
        return True
    return first not in GLOBAL_KEYWORDS


def _word_column(line: str, index: int) -> int:
    """Column of the ``index``-th word of ``line`` (end of line if there are fewer words)."""
    spans = [match.start() for match in re.finditer(r"\S+", line)]
    if index < len(spans):
        return spans[index]
    return len(line.rstrip())


def _match_exec(parts: list[str], privileged: bool) -> tuple[_ExecCommand | None, list[str], int]:
    best: _ExecCommand | None = None
    deepest = 0
    lowered = [part.lower() for part in parts]
    for command in EXEC_COMMANDS:
        if command.privileged and not privileged:
            continue
        matched = 0
        for keyword, typed in zip(command.keywords, lowered, strict=False):
            if not keyword.startswith(typed):
                break
            matched += 1
        deepest = max(deepest, matched)
        complete = matched == len(command.keywords)
        if complete and (best is None or len(command.keywords) > len(best.keywords)):
            best = command
    if best is None:
        return None, [], deepest
    return best, parts[len(best.keywords) :], deepest


def _apply_pipe(output: str, pipe: str) -> str:
    verb, _, pattern = pipe.strip().partition(" ")
    regex = re.compile(pattern.strip())
    lines = output.split("\n")
    if "include".startswith(verb):
        return "\n".join(line for line in lines if regex.search(line))
    if "exclude".startswith(verb):
        return "\n".join(line for line in lines if not regex.search(line))
    if "begin".startswith(verb):
        for index, line in enumerate(lines):
            if regex.search(line):
                return "\n".join(lines[index:])
        return ""
    if "section".startswith(verb):
        kept: list[str] = []
        keep = False
        for line in lines:
            if not line.startswith(" "):
                keep = bool(regex.search(line))
            if keep:
                kept.append(line)
        return "\n".join(kept)
    return output


def _show_running(session: CliSession, args: list[str]) -> str | None:
    tree = session.device.running
    if args and "interface".startswith(args[0].lower()) and len(args) > 1:
        name = normalize_interface(" ".join(args[1:]))
        node = tree.find([f"interface {name}"]) if name else None
        if node is None:
            return INVALID_INPUT
        body = ConfigTree([node]).render()
    else:
        body = tree.render(hide=HIDDEN_PREFIXES)
    size = len(body) + len("end\n")
    return f"Building configuration...\n\nCurrent configuration : {size} bytes\n{body}end\n"


def _show_startup(session: CliSession, _args: list[str]) -> str | None:
    body = session.device.startup.render(hide=HIDDEN_PREFIXES)
    if not body:
        return "startup-config is not present"
    return f"Using {len(body) + 4} out of 33554432 bytes\n{body}end\n"


def _show_version(session: CliSession, _args: list[str]) -> str | None:
    device = session.device
    return show_version(device.hostname, device.shown_model, device.shown_software, device.serial,
                        time.time() - device.booted_at)


def _show_clock(_session: CliSession, _args: list[str]) -> str | None:
    now = datetime.now(UTC)
    return now.strftime("*%H:%M:%S.") + f"{now.microsecond // 1000:03d}" + now.strftime(" UTC %a %b %d %Y")


def _enable(session: CliSession, _args: list[str]) -> str | None:
    if session.privileged:
        return ""
    session.ask_secret()
    return None


def _disable(session: CliSession, _args: list[str]) -> str | None:
    session.privileged = False
    return ""


def _exit(session: CliSession, _args: list[str]) -> str | None:
    session.close()
    return None


def _terminal(_session: CliSession, _args: list[str]) -> str | None:
    return ""


def _configure(session: CliSession, args: list[str]) -> str | None:
    """``configure terminal`` and ``configure terminal revert timer <minutes>``."""
    if not args:
        return session.enter_config()
    keywords = ("revert", "timer")
    for index, (keyword, typed) in enumerate(zip(keywords, args, strict=False)):
        if not keyword.startswith(typed.lower()):
            return session.invalid_word(2 + index)
    if len(args) < 3:
        return INCOMPLETE
    minutes = archive.minutes_arg(args[2])
    if minutes is None or len(args) > 3:
        return session.invalid_word(4 if minutes is None else 5)
    error = archive.start(session, minutes)
    return error if error is not None else session.enter_config()


def _configure_confirm(session: CliSession, _args: list[str]) -> str | None:
    return archive.confirm(session.device)


def _configure_revert(session: CliSession, args: list[str]) -> str | None:
    """``configure revert now`` and ``configure revert timer <minutes>``."""
    if not args:
        return INCOMPLETE
    if "now".startswith(args[0].lower()) and len(args) == 1:
        return archive.revert_now(session.device)
    if "timer".startswith(args[0].lower()) and len(args) == 2:
        minutes = archive.minutes_arg(args[1])
        return session.invalid_word(3) if minutes is None else archive.restart_timer(session.device, minutes)
    return INCOMPLETE if len(args) == 1 and "timer".startswith(args[0].lower()) else session.invalid_word(2)


def _show_rollback_timer(session: CliSession, _args: list[str]) -> str | None:
    return archive.show_timer(session.device)


def _operational(render: Callable[[DeviceState], str]) -> Callable[[CliSession, list[str]], str | None]:
    return lambda session, _args: render(session.device)


def _write(session: CliSession, _args: list[str]) -> str | None:
    session.device.save()
    return "Building configuration...\n[OK]"


def _copy_run_start(session: CliSession, _args: list[str]) -> str | None:
    session.ask_copy_destination()
    return None


EXEC_COMMANDS: tuple[_ExecCommand, ...] = (
    _ExecCommand(("enable",), False, False, _enable),
    _ExecCommand(("disable",), True, False, _disable),
    _ExecCommand(("exit",), False, False, _exit),
    _ExecCommand(("logout",), False, False, _exit),
    _ExecCommand(("quit",), False, False, _exit),
    _ExecCommand(("terminal", "length"), False, True, _terminal),
    _ExecCommand(("terminal", "width"), False, True, _terminal),
    _ExecCommand(("terminal", "monitor"), False, False, _terminal),
    _ExecCommand(("terminal", "no", "monitor"), False, False, _terminal),
    _ExecCommand(("show", "running-config"), True, True, _show_running),
    _ExecCommand(("show", "startup-config"), True, False, _show_startup),
    _ExecCommand(("show", "version"), False, False, _show_version),
    _ExecCommand(("show", "clock"), False, False, _show_clock),
    _ExecCommand(("configure", "terminal"), True, True, _configure),
    _ExecCommand(("configure", "confirm"), True, False, _configure_confirm),
    _ExecCommand(("configure", "revert"), True, True, _configure_revert),
    _ExecCommand(("show", "archive", "config", "rollback", "timer"), True, False, _show_rollback_timer),
    *(
        _ExecCommand(("show", *keywords), False, False, _operational(render))
        for keywords, render in operational.SHOW_COMMANDS
    ),
    _ExecCommand(("write",), True, False, _write),
    _ExecCommand(("write", "memory"), True, False, _write),
    _ExecCommand(("copy", "running-config", "startup-config"), True, False, _copy_run_start),
)
