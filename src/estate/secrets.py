"""Secrets in device configs: templates render `${NAME}` placeholders, never values.

Values come from environment variables `ESTATE_SECRET_<NAME>` at review and push time (a lab
keeps generated values in its state folder, readable by its owner only). Anything written to a
log, record, plan or report is passed through `mask` first.

Shared keys are rendered in clear-text form (`key 0 ${TACACS_KEY}`) for the device to encrypt
under its master key; it then shows `key 6 <ciphertext>`, which `estate.change.rules` compares
by presence. A changed value therefore reaches the devices only when its rotation is asked for
(`rotate=` in `estate.change.diff.compute_diff`).

A `SecretBook` holds the current values and also every value this run has *seen* for a name:
after a rotation the devices still hold the old value, and a review or backup of them must not
show it either. Old values are learned where a running config is compared with an intended one
(`learn_from`); as a second line of defence `mask` also hides whatever follows the keywords that
always carry a secret in IOS-XE syntax (`key 7 X`, `secret 9 X`, `auth sha X`, ...).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping

SECRET_NAMES = (
    "LOCAL_ADMIN_HASH",  # type-9 (scrypt) hash of the local fallback account's password
    "ENABLE_HASH",  # type-9 hash of the enable secret
    "TACACS_KEY",  # shared key with the TACACS+ servers: sent as `key 0`, stored and shown by the device as type 6
    "RADIUS_KEY",  # shared key with the RADIUS servers (and CoA clients): the same
    "SNMP_AUTH",  # SNMPv3 authentication passphrase
    "SNMP_PRIV",  # SNMPv3 privacy passphrase
    "NTP_KEY",  # NTP authentication key (hmac-sha2-256): typed in clear, shown by the device as type 7
    "AP_MGMT_PASSWORD",  # the APs' management user's password (Catalyst 9800 AP profile): shown as type 8
    "AP_MGMT_SECRET",  # that user's enable secret: the same
    "WAN_OVERLAY_PSK",  # IKEv2 pre-shared key of the cellular-backup overlay (edge routers and hubs): shown as type 6
)
# Name families: one secret per member, named from the inventory or the stack. A hub router's
# AWS tunnels: VPN_PSK_<HUB>_T<n>, HUB the hub's name upper-cased with '-' as '_', n 1 or 2
# (AWS generates each key; `pulumi stack output --show-secrets` shows it to the operator).
SECRET_FAMILIES = (re.compile(r"VPN_PSK_[A-Z0-9_]+_T[12]"),)
ENV_PREFIX = "ESTATE_SECRET_"
MASK = "<secret>"
MIN_LEARNED = 4  # shorter old values are left to the positional mask: masking "1" everywhere ruins a review
_PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# A value token: it runs to whitespace; a `"` ends it only where JSON would close a string
# (so masking a JSON rendering keeps it valid, and a `"` inside a plain value is still hidden).
_VALUE = r'(?P<value>(?:[^\s"]|"(?![\s,\]}:]|$))+)'
# Keywords after which IOS-XE always prints a secret (hash, ciphertext or clear text).
_SECRET_POSITIONS = re.compile(
    r"(?<![\w-])(?:(?:server-key|key-string) (?:[0-9] )?"
    r"|pre-shared-key (?:(?:local|remote) )?(?:[0-9] )?"
    r"|(?:key|secret|password) [0-9] "
    r"|(?:authentication|message-digest)-key [0-9]+ (?:md5|hmac-sha\S*|cmac-aes-\d+) "
    r"|auth (?:md5|sha\S*) "
    r"|priv (?:des|3des|aes(?: [0-9]+)?) )" + _VALUE,
    re.MULTILINE,
)


class MissingSecretError(LookupError):
    def __init__(self, names: Iterable[str]) -> None:
        listed = ", ".join(f"{ENV_PREFIX}{n}" for n in sorted(set(names)))
        super().__init__(f"secrets not set: {listed} (export them, or use a lab that generated its own)")


class SecretValueError(ValueError):
    """A secret value that cannot be used as given (it names where, never the value)."""


def check_value(value: str, where: str) -> str:
    """Refuse a value with surrounding whitespace or control characters: pasted with a stray
    space or newline it would become a different key on the device, and its trimmed form would
    escape masking."""
    if value != value.strip():
        raise SecretValueError(f"{where}: the value has leading or trailing whitespace; remove it")
    if _CONTROL.search(value):
        raise SecretValueError(f"{where}: the value holds a line break or control character")
    return value


class SecretBook(Mapping[str, str]):
    """The current value of each secret (as a read-only mapping: callers that resolve
    placeholders see only these) plus every value seen for each name in this run, which
    `mask` hides too. Learning is thread-safe: pushes run devices in threads."""

    def __init__(self, current: Mapping[str, str] | None = None) -> None:
        self._current = dict(current or {})
        self._lock = threading.Lock()
        self._seen: dict[str, set[str]] = {name: {value} for name, value in self._current.items() if value}

    def __getitem__(self, name: str) -> str:
        return self._current[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._current)

    def __len__(self) -> int:
        return len(self._current)

    def __repr__(self) -> str:  # never the values
        return f"SecretBook(names={sorted(self._current)}, seen={self.seen_counts()})"

    def learn(self, name: str, value: str) -> bool:
        """Record a value seen for `name`; True if it was new."""
        if len(value) < MIN_LEARNED or _PLACEHOLDER.fullmatch(value) or value == MASK:
            return False
        with self._lock:
            known = self._seen.setdefault(name, set())
            if value in known:
                return False
            known.add(value)
            return True

    def add_current(self, extra: Mapping[str, str]) -> None:
        """Add more current values (e.g. the login credentials) to resolve and mask."""
        with self._lock:
            for name, value in extra.items():
                self._current[name] = value
                if value:
                    self._seen.setdefault(name, set()).add(value)

    def seen_counts(self) -> dict[str, int]:
        with self._lock:
            return {name: len(values) for name, values in sorted(self._seen.items())}

    def every_value(self) -> list[str]:
        with self._lock:
            return [value for values in self._seen.values() for value in values]

    def learn_from(self, intended: str, running: str) -> int:
        """Learn the values a running config holds where the intended config has a `${NAME}`
        placeholder (the same line in the same section); returns how many were new."""
        matchers = _placeholder_matchers(intended)
        if not matchers:
            return 0
        learned = 0
        for parents, line in _lines_with_parents(running):
            for pattern, names in matchers.get(parents, ()):
                found = pattern.fullmatch(line)
                if found is None:
                    continue
                for name, value in zip(names, found.groups(), strict=True):
                    learned += self.learn(name, value)
        return learned


def _lines_with_parents(text: str) -> Iterator[tuple[tuple[str, ...], str]]:
    """Each non-blank line (whitespace collapsed) with the section lines above it."""
    stack: list[tuple[int, str]] = []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line or line == "!":
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        yield tuple(text for _, text in stack), line
        stack.append((indent, line))


def _placeholder_matchers(intended: str) -> dict[tuple[str, ...], list[tuple[re.Pattern[str], list[str]]]]:
    matchers: dict[tuple[str, ...], list[tuple[re.Pattern[str], list[str]]]] = {}
    for parents, line in _lines_with_parents(intended):
        if "${" not in line:
            continue
        names = _PLACEHOLDER.findall(line)
        if not names:
            continue
        parts = _PLACEHOLDER.split(line)[::2]  # the literal text around the placeholders
        pieces = []
        for index, literal in enumerate(parts):
            escaped = re.escape(literal)
            if index < len(names):
                # the running config may show the same secret as another type (`key 0` vs `key 6`)
                escaped = re.sub(r"(?<= )[0-9](?=\\? $)", "[0-9]", escaped)
                pieces.append(escaped + r"(\S+)")
            else:
                pieces.append(escaped)
        matchers.setdefault(parents, []).append((re.compile("".join(pieces)), names))
    return matchers


def is_secret_name(name: str) -> bool:
    """A fixed secret (`SECRET_NAMES`) or a member of a name family (`SECRET_FAMILIES`)."""
    return name in SECRET_NAMES or any(family.fullmatch(name) for family in SECRET_FAMILIES)


def placeholders_in(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def from_environment(environ: Mapping[str, str] | None = None) -> SecretBook:
    """The `ESTATE_SECRET_*` values; raises `SecretValueError` naming a variable whose value has
    surrounding whitespace or control characters."""
    env = os.environ if environ is None else environ
    values = {}
    names = [*SECRET_NAMES, *sorted(key[len(ENV_PREFIX):] for key in env
                                   if key.startswith(ENV_PREFIX) and key[len(ENV_PREFIX):] not in SECRET_NAMES
                                   and is_secret_name(key[len(ENV_PREFIX):]))]
    for name in names:
        value = env.get(ENV_PREFIX + name)
        if value:
            values[name] = check_value(value, ENV_PREFIX + name)
    return SecretBook(values)


def resolve(text: str, values: Mapping[str, str]) -> str:
    """Fill every placeholder; raises `MissingSecretError` naming all that have no value."""
    missing = [name for name in placeholders_in(text) if name not in values]
    if missing:
        raise MissingSecretError(missing)
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def mask_positions(text: str) -> str:
    """Hide every value that follows a keyword that always carries a secret, whether or not
    the value is known (placeholders are kept: they say which secret goes there)."""

    def hide(found: re.Match[str]) -> str:
        value = found.group("value")
        if value == MASK or _PLACEHOLDER.fullmatch(value):
            return found.group(0)
        return found.group(0)[: found.start("value") - found.start(0)] + MASK

    return _SECRET_POSITIONS.sub(hide, text)


def mask(text: str, values: Mapping[str, str]) -> str:
    """Replace every known secret value (longest first; with a `SecretBook`, every value seen in
    this run) with a fixed marker, then every value in a secret-carrying position."""
    known = values.every_value() if isinstance(values, SecretBook) else list(values.values())
    for value in sorted((v for v in known if v), key=len, reverse=True):
        text = text.replace(value, MASK)
    return mask_positions(text)


# values the device hashed or encrypted itself (types 5, 6, 8, 9: one-way, or bound to the
# device's own master key): a backup keeps them as shown, so a restore can send them back
_DEVICE_PROTECTED = re.compile(r"(?P<head>(?<![\w-])(?:key|secret|password|server-key) [5689] )(?P<value>\S+)")


def mask_keeping_device_encrypted(text: str, masker: Callable[[str], str]) -> str:
    """`masker(text)` with every device-hashed or device-encrypted value left as it was: what a
    backup holds (clear-text and type-7 values are masked: they cannot be restored)."""
    kept: list[str] = []

    def keep(found: re.Match[str]) -> str:
        kept.append(found.group("value"))
        return f"{found.group('head')}${{KEPT{len(kept) - 1}}}"

    masked = masker(_DEVICE_PROTECTED.sub(keep, text))
    return re.sub(r"\$\{KEPT(\d+)\}", lambda m: kept[int(m.group(1))], masked)
