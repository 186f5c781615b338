"""Fixtures for the stack tests: moto with fake credentials, and the stack program run once per
environment under the moto-backed mocks. The terminal summary says which declared types were
created in moto and which stayed plain mocks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from moto import mock_aws

from estate.cloud.mocks import EstateMocks, TreeMonitor, run_program
from estate.cloud.program import StackInputs, main, prepare
from estate.cloud.settings import read_stack_config
from tests.fixtures import FIXTURE_PROJECT
from tests.stack_types import BACKED, PLAIN
from tests.stacks import (
    moto_contact,  # noqa: F401  # registers the WFM feed's handlers
    moto_network,  # noqa: F401  # registers the network and voice handlers
)
from tests.stacks.moto_backend import MotoBackend

ENVIRONMENTS = ("dev", "staging", "prod")


@dataclass(frozen=True)
class DeployedStack:
    env: str
    inputs: StackInputs
    mocks: EstateMocks
    monitor: TreeMonitor


def fake_credentials(monkeypatch: pytest.MonkeyPatch, account: str = "123456789012") -> None:
    monkeypatch.setenv("MOTO_ACCOUNT_ID", account)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture(scope="module", params=ENVIRONMENTS)
def stack(request: pytest.FixtureRequest) -> Iterator[DeployedStack]:
    """One stack per environment, declared once into its own moto and shared by the module's
    tests (declaring it is the slow part)."""
    env: str = request.param
    with pytest.MonkeyPatch.context() as monkeypatch:
        config = read_stack_config(FIXTURE_PROJECT, env)
        # moto answers as the environment's own account, so ARNs in the policies match moto's
        fake_credentials(monkeypatch, json.loads(config["aws:allowedAccountIds"])[0])
        with mock_aws():
            mocks = EstateMocks(MotoBackend())
            monitor = run_program(mocks, "estate", env, config, lambda: main(FIXTURE_PROJECT))
            BACKED.update(mocks.types(backed=True))
            PLAIN.update(mocks.types(backed=False))
            yield DeployedStack(env, prepare(env, config, FIXTURE_PROJECT), mocks, monitor)
