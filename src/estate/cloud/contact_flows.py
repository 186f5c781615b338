"""Contact-flow templates, kept as data in the Amazon Connect flow language, and their rendering.

Each service gets one entry flow: set the working queue, check its hours, transfer. Every way
out that is not "answered by the queue" (closed, queue at capacity, any error) leads to the
fallback: the service's fallback queue if it has one, then the closed message and a clean
disconnect. The policy rule `contact-flow-fallback` checks the rendered JSON, not this code.

Placeholders are whole strings (`$queue`, `$fallback_queue`, `$closed_message`), replaced in the
parsed structure, so a message can never break the JSON around it.
"""

from __future__ import annotations

import copy
import json
from typing import Any

FLOW_VERSION = "2019-10-30"

_CLOSED = [
    {"Identifier": "closed-message", "Type": "MessageParticipant",
     "Parameters": {"Text": "$closed_message"},
     "Transitions": {"NextAction": "disconnect",
                     "Errors": [{"NextAction": "disconnect", "ErrorType": "NoMatchingError"}]}},
    {"Identifier": "disconnect", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}},
]


def _queue_steps(prefix: str, queue: str, on_fail: str) -> list[dict[str, Any]]:
    """Set the working queue, check its hours, transfer; every failure goes to `on_fail`. A
    transfer that succeeds ends the flow with the contact in the queue; its NextAction is only
    formal (exported flows point it at the disconnect block, as here)."""
    errors = [{"NextAction": on_fail, "ErrorType": "NoMatchingError"}]
    return [
        {"Identifier": f"{prefix}-set-queue", "Type": "UpdateContactTargetQueue", "Parameters": {"QueueId": queue},
         "Transitions": {"NextAction": f"{prefix}-check-hours", "Errors": errors}},
        {"Identifier": f"{prefix}-check-hours", "Type": "CheckHoursOfOperation", "Parameters": {},
         "Transitions": {"NextAction": on_fail, "Errors": errors, "Conditions": [
             {"NextAction": f"{prefix}-transfer", "Condition": {"Operator": "Equals", "Operands": ["True"]}},
             {"NextAction": on_fail, "Condition": {"Operator": "Equals", "Operands": ["False"]}}]}},
        {"Identifier": f"{prefix}-transfer", "Type": "TransferContactToQueue", "Parameters": {},
         "Transitions": {"NextAction": "disconnect", "Errors": [
             {"NextAction": on_fail, "ErrorType": "QueueAtCapacity"},
             {"NextAction": on_fail, "ErrorType": "NoMatchingError"}]}},
    ]


# entry flow of a service with a fallback queue, and of one whose fallback is the message alone
ENTRY_WITH_FALLBACK_QUEUE: dict[str, Any] = {
    "Version": FLOW_VERSION, "StartAction": "primary-set-queue", "Metadata": {},
    "Actions": [*_queue_steps("primary", "$queue", "fallback-set-queue"),
                *_queue_steps("fallback", "$fallback_queue", "closed-message"), *_CLOSED],
}
ENTRY_CLOSED_MESSAGE: dict[str, Any] = {
    "Version": FLOW_VERSION, "StartAction": "primary-set-queue", "Metadata": {},
    "Actions": [*_queue_steps("primary", "$queue", "closed-message"), *_CLOSED],
}


def _fill(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    if isinstance(value, str) and value.startswith("$"):
        return values[value[1:]]
    return value


def entry_flow(queue_arn: str, closed_message: str, fallback_queue_arn: str | None = None) -> str:
    """The rendered entry flow (JSON text) for a service."""
    template = ENTRY_WITH_FALLBACK_QUEUE if fallback_queue_arn else ENTRY_CLOSED_MESSAGE
    values = {"queue": queue_arn, "closed_message": closed_message, "fallback_queue": fallback_queue_arn or ""}
    return json.dumps(_fill(copy.deepcopy(template), values), indent=1, sort_keys=True)
