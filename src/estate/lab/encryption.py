"""What IOS-XE does with secrets typed into its config: with ``password encryption aes`` and a
master key (``key config-key password-encrypt <key>``, set once, never shown), a clear-text
``key 0 <secret>`` / ``server-key 0 <secret>`` is stored and shown as ``key 6 <ciphertext>``,
and the ciphertext differs from device to device (here: an HMAC of the value keyed by the
hostname, so it is stable per device and says nothing of the value). ``snmp-server user`` lines
are accepted but never shown.
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


def encrypt_words(hostname: str, parts: list[str]) -> list[str]:
    """``parts`` with every ``key 0 <v>`` / ``server-key 0 <v>`` turned into type 6."""
    out = list(parts)
    for index in range(len(out) - 2):
        if out[index].lower() in _KEY_WORDS and out[index + 1] == "0":
            out[index + 1 : index + 3] = ["6", type6(hostname, out[index + 2])]
    return out


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
