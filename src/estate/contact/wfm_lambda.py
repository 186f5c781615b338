"""The Lambda that feeds the WFM: a Kinesis batch of Connect agent events in, one adherence CSV
(`estate.contact.wfm.ADHERENCE_COLUMNS`) out, written to `s3://$WFM_BUCKET/$WFM_PREFIX/<first
event's date>/<request id>.csv` for the rostering system to collect.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from typing import Any

from estate.contact.wfm import adherence, to_csv

Put = Callable[[str, str, bytes], None]
DEFAULT_PREFIX = "wfm/adherence"


def decode(event: dict[str, Any]) -> list[dict[str, Any]]:
    return [json.loads(base64.b64decode(r["kinesis"]["data"])) for r in event.get("Records", [])]


def _s3_put(bucket: str, key: str, body: bytes) -> None:
    import boto3  # only the deployed Lambda talks to S3

    # no encryption header: `aws:kms` without a key id would pick the account's aws/s3 key; the
    # bucket's default encryption applies the feed's own key
    boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=body, ContentType="text/csv")


def handler(event: dict[str, Any], context: Any, put: Put | None = None) -> dict[str, Any]:
    rows = adherence(decode(event), int(os.environ.get("WFM_INTERVAL_MINUTES", "30")))
    if not rows:
        return {"records": 0}
    key = f"{os.environ.get('WFM_PREFIX', DEFAULT_PREFIX)}/{rows[0]['interval_start'][:10]}/" \
          f"{getattr(context, 'aws_request_id', 'local')}.csv"
    (put or _s3_put)(os.environ["WFM_BUCKET"], key, to_csv(rows).encode("utf-8"))
    return {"records": len(rows), "key": key}
