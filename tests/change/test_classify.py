"""Failures to reach or read a device, each classified into its own outcome with a one-line
message naming the device, address and port (the over-SSH cases are in
tests/e2e/test_session_connect.py; these are the exceptions a real device produces that the
simulator cannot easily make)."""

from __future__ import annotations

import errno
import socket

import pytest
from netmiko import NetmikoTimeoutException, ReadTimeout

from estate.change.connections import ConnectFailure, DeviceAccess, EnableError, classify

ACCESS = DeviceAccess("mps-0042-cs01", "10.0.42.1", 22)


@pytest.mark.parametrize(("exc", "kind"), [
    (ReadTimeout("Pattern not detected: 'mps-0042-cs01#' in output."), ConnectFailure.TIMEOUT),
    (NetmikoTimeoutException("TCP connection to device failed."), ConnectFailure.TIMEOUT),
    (TimeoutError("timed out"), ConnectFailure.TIMEOUT),
    (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), ConnectFailure.REFUSED),
    (OSError(errno.EHOSTUNREACH, "No route to host"), ConnectFailure.UNREACHABLE),
    (socket.gaierror(-2, "Name or service not known"), ConnectFailure.UNREACHABLE),
    (EnableError("enable refused"), ConnectFailure.ENABLE_FAILED),
    (RuntimeError("something else"), ConnectFailure.PROTOCOL),
])
def test_each_failure_has_its_own_outcome(exc: BaseException, kind: ConnectFailure) -> None:
    found, message = classify(exc, ACCESS)
    assert found is kind
    assert message.startswith("mps-0042-cs01 (10.0.42.1:22): ")
    assert "\n" not in message and "Traceback" not in message


def test_a_wrapped_cause_is_found() -> None:
    try:
        try:
            raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
        except OSError as inner:
            raise NetmikoTimeoutException("TCP connection to device failed.") from inner
    except NetmikoTimeoutException as outer:
        assert classify(outer, ACCESS)[0] is ConnectFailure.REFUSED  # not "timeout": nothing listens
