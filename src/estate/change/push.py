"""Committing changes to devices, safely: the push flow's public names in one place.

The flow lives in three modules: the per-device state machine (`estate.change.device_push`:
connect → facts → snapshot → backup → plan check → revert session → apply → verify → reconnect
→ snapshot → confirm → save), getting a failed device back (`estate.change.recovery`) and the
run across sites (`estate.change.rollout`: order, canaries, budget, windows, lock). The run's
folder is `estate.change.runs`; `estate rollback` is `estate.change.rollback`.

Everything written (run record, summary, backups, transcripts) is masked or holds placeholders;
secret values exist only in memory, resolved just before lines are sent.
"""

from __future__ import annotations

from estate.change.device_push import DeviceResult, Interrupt, Outcome, PushSettings, PushStepError, push_device
from estate.change.report import summary_document, summary_text
from estate.change.rollout import Rollout, RunResult, UnitResult, WindowGate, push_environment, site_order

__all__ = [
    "DeviceResult",
    "Interrupt",
    "Outcome",
    "PushSettings",
    "PushStepError",
    "Rollout",
    "RunResult",
    "UnitResult",
    "WindowGate",
    "push_device",
    "push_environment",
    "site_order",
    "summary_document",
    "summary_text",
]
