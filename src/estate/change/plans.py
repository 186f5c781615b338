"""Plans: the exact change a board approved, saved for `push --plan` to apply and nothing else.

A plan holds, per changed device, the lines (placeholders for current secrets, any other secret
value masked), the rollback, the running and intended hashes and the risk flags, plus each
site's change window. It is signed with HMAC-SHA256 under a key from the environment
(`ESTATE_PLAN_KEY`): a plain checksum can be recomputed by whoever edits the file, a signature
cannot without the key. No key, no plan: saving and pushing a plan both refuse without one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from estate.files import write_private
from estate.secrets import mask

if TYPE_CHECKING:
    from estate.change.review import Review

PLAN_FORMAT = "estate-plan/2"
PLAN_KEY_ENV = "ESTATE_PLAN_KEY"
MIN_KEY_LENGTH = 16


class PlanError(Exception):
    """A plan file that cannot be used (unreadable, wrong format, another environment, unsigned,
    tampered with) or cannot be saved (no key)."""


@dataclass(frozen=True, slots=True)
class PlannedDevice:
    target: str
    hostname: str
    site_id: str | None
    running_sha256: str
    intended_sha256: str
    remediation: tuple[str, ...]
    rollback: tuple[str, ...]
    risks: tuple[str, ...] = ()  # risk kinds flagged for this device
    rotated: frozenset[str] = frozenset()  # secrets the review re-sent: the push must diff the same way


def plan_key(environ: Mapping[str, str] | None = None) -> bytes:
    """The signing key; `PlanError` saying how to set it when it is missing or too short."""
    value = (os.environ if environ is None else environ).get(PLAN_KEY_ENV, "")
    if not value:
        raise PlanError(f"no plan signing key: set {PLAN_KEY_ENV} (the same value when the plan is saved and "
                        f"pushed; e.g. from your change tooling's secret store) to save or push a plan")
    if len(value) < MIN_KEY_LENGTH:
        raise PlanError(f"{PLAN_KEY_ENV} is too short to sign plans: use at least {MIN_KEY_LENGTH} characters")
    return value.encode()


def _canonical(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def _masked_leaves(value: Any, secrets: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return mask(value, secrets)
    if isinstance(value, list):
        return [_masked_leaves(item, secrets) for item in value]
    if isinstance(value, dict):
        return {key: _masked_leaves(item, secrets) for key, item in value.items()}
    return value


def plan_document(review: Review, secrets: Mapping[str, str] | None = None,
                  inventory_commit: str | None = None) -> dict[str, Any]:
    """The plan body (unsigned) with its sha256: per changed device the exact lines, the
    rollback, the hashes and the risk kinds; each site's change window; the inventory commit
    it was reviewed on (the next ticket's "since the last applied plan"). Masked before the
    checksum, so the saved plan verifies as written."""
    from estate.change.review import Status

    devices = [
        {
            "target": d.target.name,
            "hostname": d.target.hostname,
            "site_id": d.target.site_id,
            "role": d.target.role.value,
            "running_sha256": d.diff.running_sha256,
            "intended_sha256": d.target.intended_sha256,
            "remediation": list(d.diff.remediation),
            "rollback": list(d.diff.rollback),
            "risks": [str(r) for r in d.risks],
            "risk_kinds": sorted({r.kind.value for r in d.risks}),
            "rotated": sorted(d.diff.rotated),
        }
        for d in review.devices
        if d.diff is not None and d.status is Status.CHANGED
    ]
    body: dict[str, Any] = {"format": PLAN_FORMAT, "env": review.env, "created_at": review.created_at.isoformat(),
                            "source": review.source, "windows": review.window_notes(), "devices": devices,
                            "inventory_commit": inventory_commit}
    body = _masked_leaves(body, secrets or {})
    return {**body, "plan_sha256": hashlib.sha256(_canonical(body)).hexdigest()}


def sign(document: Mapping[str, Any], key: bytes) -> str:
    body = {k: v for k, v in document.items() if k != "signature"}
    return hmac.new(key, _canonical(body), hashlib.sha256).hexdigest()


def save_plan(review: Review, path: Path, secrets: Mapping[str, str], key: bytes | None = None,
              inventory_commit: str | None = None) -> dict[str, Any]:
    """Sign and write the plan atomically, readable by its owner only (it names every device's
    change); `PlanError` without a signing key. Returns the document written."""
    key = plan_key() if key is None else key
    document = plan_document(review, secrets, inventory_commit)
    write_private(path, json.dumps({**document, "signature": sign(document, key)}, indent=1) + "\n")
    return document


def load_plan(path: Path, env: str, key: bytes | None = None) -> dict[str, PlannedDevice]:
    """The plan's devices, once its signature verifies; `PlanError` for anything else."""
    key = plan_key() if key is None else key
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PlanError(f"cannot read plan {path}: {exc}") from exc
    if not isinstance(data, dict) or not str(data.get("format", "")).startswith("estate-plan/"):
        raise PlanError(f"{path} is not an estate plan ({PLAN_FORMAT})")
    if data.get("format") != PLAN_FORMAT:
        raise PlanError(f"plan {path} is {data.get('format')}, unsigned: review again and save it with "
                        f"{PLAN_KEY_ENV} set")
    signature = data.get("signature")
    if not isinstance(signature, str) or not hmac.compare_digest(signature, sign(data, key)):
        raise PlanError(f"plan {path} is not signed with this {PLAN_KEY_ENV}: it was edited after it was "
                        "saved, or saved under another key; refusing it")
    if data.get("env") != env:
        raise PlanError(f"plan {path} is for environment {data.get('env')!r}, not {env!r}")
    try:
        return {
            d["target"]: PlannedDevice(d["target"], d["hostname"], d.get("site_id"), d["running_sha256"],
                                       d["intended_sha256"], tuple(d["remediation"]), tuple(d["rollback"]),
                                       tuple(d.get("risk_kinds", ())), frozenset(d.get("rotated", ())))
            for d in data["devices"]
        }
    except (KeyError, TypeError) as exc:
        raise PlanError(f"plan {path}: malformed device entry ({exc})") from exc


def approved_lines(planned: Sequence[str], fresh: Sequence[str], secrets: Mapping[str, str]) -> tuple[str, ...]:
    """The lines to send for a plan: a plan holds masked lines where a device had an older
    secret value (`no key 0 <secret>`), which cannot be sent as written. Once the running
    config's hash matched the plan's, a fresh diff gives the same lines with the values in:
    send those, after checking that masked they are exactly what was approved."""
    if tuple(planned) == tuple(fresh):
        return tuple(fresh)
    if [mask(line, secrets) for line in fresh] == list(planned):
        return tuple(fresh)
    raise PlanError("the device's change differs from the approved plan's lines")
