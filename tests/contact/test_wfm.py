"""The WFM transformer: sample agent events (fixtures/agent_events.jsonl, as Connect's agent
event stream writes them) to interval adherence records, and the Lambda around it."""

from __future__ import annotations

import base64
import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from estate.contact.wfm import ADHERENCE_COLUMNS, AgentEventError, adherence, to_csv
from estate.contact.wfm_lambda import handler

EVENTS = Path(__file__).parent / "fixtures" / "agent_events.jsonl"


def events() -> list[dict[str, object]]:
    return [json.loads(line) for line in EVENTS.read_text(encoding="utf-8").splitlines() if line.strip()]


def by_interval(rows: list[dict[str, object]]) -> dict[tuple[object, object], dict[str, object]]:
    return {(r["agent"], r["interval_start"]): r for r in rows}


def test_states_split_across_intervals() -> None:
    rows = by_interval(adherence(events()))
    first = rows["jsmith", "2026-11-27T17:30:00Z"]
    # logged in 17:40 available, call 17:45-17:52, after-call work to 17:54, available, break at 17:58
    assert first["logged_in_seconds"] == 20 * 60
    assert first["available_seconds"] == (5 + 4) * 60
    assert first["on_contact_seconds"] == 7 * 60
    assert first["after_contact_seconds"] == 2 * 60
    assert first["custom_seconds"] == 2 * 60 and first["custom_state"] == "Break"
    second = rows["jsmith", "2026-11-27T18:00:00Z"]
    # break to 18:13, available to 18:20, logged out
    assert second["custom_seconds"] == 13 * 60
    assert second["available_seconds"] == 7 * 60
    assert second["logged_in_seconds"] == 20 * 60
    assert second["routing_profile"] == "emergency_call_handler"


def test_agents_kept_apart_and_order_of_events_irrelevant() -> None:
    shuffled = list(reversed(events()))
    assert adherence(shuffled) == adherence(events())
    assert {r["agent"] for r in adherence(events())} == {"jsmith", "akhan"}


def test_adherence_against_a_schedule() -> None:
    schedule = {("jsmith", datetime(2026, 11, 27, 17, 30, tzinfo=UTC)): "available",
                ("jsmith", datetime(2026, 11, 27, 18, 0, tzinfo=UTC)): "custom:Break"}
    rows = by_interval(adherence(events(), schedule=schedule))
    assert rows["jsmith", "2026-11-27T17:30:00Z"]["adherent_seconds"] == 18 * 60
    assert rows["jsmith", "2026-11-27T18:00:00Z"]["adherent_seconds"] == 13 * 60
    assert rows["akhan", "2026-11-27T17:30:00Z"]["adherent_seconds"] == ""


def test_csv_schema() -> None:
    text = to_csv(adherence(events()))
    assert tuple(next(csv.reader(io.StringIO(text)))) == ADHERENCE_COLUMNS


def test_event_without_timestamp() -> None:
    with pytest.raises(AgentEventError, match="EventTimestamp"):
        adherence([{"AgentARN": "arn:agent", "EventType": "STATE_CHANGE"}])


def test_lambda_writes_one_csv(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WFM_BUCKET", "wfm-exports")
    records = [{"kinesis": {"data": base64.b64encode(json.dumps(e).encode()).decode()}} for e in events()]
    written: list[tuple[str, str, bytes]] = []
    result = handler({"Records": records}, SimpleNamespace(aws_request_id="req-1"),
                     put=lambda bucket, key, body: written.append((bucket, key, body)))
    [(bucket, key, body)] = written
    assert bucket == "wfm-exports" and key == "wfm/adherence/2026-11-27/req-1.csv"
    assert body.decode() == to_csv(adherence(events()))
    assert result["records"] == len(adherence(events()))


def test_lambda_leaves_encryption_to_the_bucket(monkeypatch: pytest.MonkeyPatch) -> None:
    """`ServerSideEncryption="aws:kms"` without a key id makes S3 use the account's aws/s3 key, not
    the bucket's own (moto applies the bucket default either way, so the call itself is checked)."""
    import boto3

    calls: list[dict[str, object]] = []
    monkeypatch.setattr(boto3, "client", lambda service: SimpleNamespace(
        put_object=lambda **kwargs: calls.append({"service": service, **kwargs})))
    monkeypatch.setenv("WFM_BUCKET", "wfm-exports")
    records = [{"kinesis": {"data": base64.b64encode(json.dumps(e).encode()).decode()}} for e in events()]
    handler({"Records": records}, SimpleNamespace(aws_request_id="req-2"))
    [call] = calls
    assert call["service"] == "s3" and call["Bucket"] == "wfm-exports"
    assert not {"ServerSideEncryption", "SSEKMSKeyId"} & set(call)
