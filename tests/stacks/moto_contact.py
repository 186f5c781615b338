"""moto handlers for the contact centre's WFM feed beyond `moto_backend`: the failure queue of
its event source mapping. The Lambda function and the mapping stay plain mocks: moto runs Lambda
code only in Docker, and the tests run the handler from its archive instead."""

from __future__ import annotations

from typing import Any

from tests.stacks.moto_backend import MotoBackend, handles


@handles("aws:sqs/queue:Queue")
def _queue(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    attributes = {"MessageRetentionPeriod": str(int(i.get("messageRetentionSeconds", 345_600)))}
    if i.get("sqsManagedSseEnabled"):
        attributes["SqsManagedSseEnabled"] = "true"
    sqs = m.client("sqs")
    url: str = sqs.create_queue(QueueName=i.get("name", name), Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, {"arn": arn, "url": url}
