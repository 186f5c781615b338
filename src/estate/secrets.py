"""Secrets in device configs: templates render `${NAME}` placeholders, never values.

Values come from environment variables `ESTATE_SECRET_<NAME>` at review and push time (a lab
keeps generated values in its state folder, readable by its owner only). Anything written to a
log, record or report is passed through `mask` first.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

SECRET_NAMES = (
    "LOCAL_ADMIN_HASH",  # type-9 (scrypt) hash of the local fallback account's password
    "ENABLE_HASH",  # type-9 hash of the enable secret
    "TACACS_KEY",  # type-6 encrypted shared key with the TACACS+ servers
    "RADIUS_KEY",  # type-6 encrypted shared key with the RADIUS servers
    "SNMP_AUTH",  # SNMPv3 authentication passphrase
    "SNMP_PRIV",  # SNMPv3 privacy passphrase
)
ENV_PREFIX = "ESTATE_SECRET_"
MASK = "<secret>"
_PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")


class MissingSecretError(LookupError):
    def __init__(self, names: Iterable[str]) -> None:
        listed = ", ".join(f"{ENV_PREFIX}{n}" for n in sorted(set(names)))
        super().__init__(f"secrets not set: {listed} (export them, or use a lab that generated its own)")


def placeholders_in(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    env = os.environ if environ is None else environ
    return {name: env[ENV_PREFIX + name] for name in SECRET_NAMES if env.get(ENV_PREFIX + name)}


def resolve(text: str, values: Mapping[str, str]) -> str:
    """Fill every placeholder; raises `MissingSecretError` naming all that have no value."""
    missing = [name for name in placeholders_in(text) if name not in values]
    if missing:
        raise MissingSecretError(missing)
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def mask(text: str, values: Mapping[str, str]) -> str:
    """Replace every known secret value (longest first) with a fixed marker."""
    for value in sorted((v for v in values.values() if v), key=len, reverse=True):
        text = text.replace(value, MASK)
    return text
