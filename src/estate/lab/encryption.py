"""What IOS-XE does with secrets typed into its config: with ``password encryption aes`` and a
master key (``key config-key password-encrypt <key>``, set once, never shown), a clear-text
``key 0 <secret>`` / ``server-key 0 <secret>`` is stored and shown as ``key 6 <ciphertext>``,
and the ciphertext differs from device to device (here: an HMAC of the value keyed by the
hostname, so it is stable per device and says nothing of the value). An IKEv2 keyring peer's
``pre-shared-key [local|remote] [0] <secret>`` is shown the same way, as
``pre-shared-key 6 <ciphertext>``. ``snmp-server user`` lines are accepted but never shown.

Two forms do not depend on the master key: an NTP key typed in clear
(``ntp authentication-key 1 hmac-sha2-256 <value>``) is always shown type-7 encrypted, the type
after the value (``... hmac-sha2-256 <hex> 7``); a Catalyst 9800 AP profile's management user
(``mgmtuser username U password 0 <p> secret 0 <s>``) is shown with both values hashed, type 8
(``password 8 $8$<salt>$<hash> secret 8 ...``). The stand-ins here have those shapes (hex of
twice the value's length after a two-digit offset; ``$8$`` + 14 + ``$`` + 43 characters) and,
like the type-6 one, say nothing of the value.
"""

from __future__ import annotations

import hashlib
import hmac

# Characters of IOS type 6 ciphertext (backslash and backtick left out: they only make a
# simulated config awkward to quote, and nothing depends on them).
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_abcdefghijklmnopqrstuvwxyz"
_KEY_WORDS = frozenset({"key", "server-key"})
MASTER_KEY = ("key", "config-key", "password-encrypt")
HIDDEN_PREFIXES: tuple[str, ...] = ("snmp-server user ",)


def type6(hostname: str, value: str) -> str:
    digest = hmac.new(b"estate-lab-type6:" + hostname.encode(), value.encode(), hashlib.sha256).digest()
    return "".join(_ALPHABET[byte % len(_ALPHABET)] for byte in digest) + "AAB"


def _digest(label: str, hostname: str, value: str) -> bytes:
    return hmac.new(f"estate-lab-{label}:{hostname}".encode(), value.encode(), hashlib.sha256).digest()


def type7(hostname: str, value: str) -> str:
    """A stand-in of IOS type 7: a two-digit offset, then two hex digits per character."""
    digest = _digest("type7", hostname, value)
    stream = (digest * (len(value) // len(digest) + 1))[: len(value)]
    return f"{digest[0] % 16:02d}" + stream.hex().upper()


_B64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def type8(hostname: str, value: str, label: str = "") -> str:
    """A stand-in of IOS type 8 (PBKDF2-SHA256): ``$8$<14-character salt>$<43-character hash>``."""
    digest = _digest("type8" + label, hostname, value)
    text = "".join(_B64[byte % 64] for byte in digest + _digest("type8-more" + label, hostname, value))
    return f"$8${text[:14]}${text[14:57]}"


def _ntp_key(hostname: str, out: list[str]) -> list[str]:
    """``ntp authentication-key <n> <algorithm> <value> [0]`` → ``... <type 7> 7``."""
    if len(out) == 5 or (len(out) == 6 and out[5] == "0"):
        return [*out[:4], type7(hostname, out[4]), "7"]
    return out


def encrypt_words(hostname: str, parts: list[str], aes: bool = True) -> list[str]:
    """``parts`` as the device stores them: with ``aes`` (password encryption and a master key),
    every ``key 0 <v>`` / ``server-key 0 <v>`` turned into type 6; an NTP key into type 7 and an
    AP management user's values into type 8 in any case."""
    out = list(parts)
    lowered = [part.lower() for part in out]
    if lowered[:2] == ["ntp", "authentication-key"]:
        return _ntp_key(hostname, out)
    if lowered[:1] == ["mgmtuser"]:
        for index in range(len(out) - 2):
            if lowered[index] in {"password", "secret"} and out[index + 1] == "0":
                out[index + 1 : index + 3] = ["8", type8(hostname, out[index + 2], lowered[index])]
        return out
    if not aes:
        return out
    if lowered[:1] == ["pre-shared-key"]:
        return _pre_shared_key(hostname, out)
    for index in range(len(out) - 2):
        if out[index].lower() in _KEY_WORDS and out[index + 1] == "0":
            out[index + 1 : index + 3] = ["6", type6(hostname, out[index + 2])]
    return out


def _pre_shared_key(hostname: str, out: list[str]) -> list[str]:
    """An IKEv2 keyring peer's ``pre-shared-key [local|remote] [0] <value>`` → ``... 6 <ciphertext>``."""
    at = 2 if len(out) > 2 and out[1].lower() in {"local", "remote"} else 1
    rest = out[at:]
    if len(rest) == 2 and rest[0] == "0":
        rest = rest[1:]
    if len(rest) != 1:
        return out  # already typed in another form (6, 7): stored as given
    return [*out[:at], "6", type6(hostname, rest[0])]


def is_master_key(parts: list[str]) -> bool:
    lowered = tuple(part.lower() for part in parts[:3])
    return lowered == MASTER_KEY


def strip_master_key(text: str) -> tuple[str, bool]:
    """A config text without its master-key line (IOS never shows it), and whether it had one."""
    kept, found = [], False
    for line in text.splitlines(keepends=True):
        if is_master_key(line.split()):
            found = True
            continue
        kept.append(line)
    return "".join(kept), found
