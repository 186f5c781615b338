"""The simulator's vocabulary for the site design (issue 9), without SSH: the prompts of the
IOS-XE sub-modes the new configuration types into, lines that only exist globally typed from
a sub-mode, and the forms a device shows secrets and values in."""

from __future__ import annotations

import re

import pytest

from estate.lab.ios_cli import CliSession, DeviceState
from tests.lab.conftest import SECRET, sample_config


@pytest.fixture
def cli() -> CliSession:
    session = CliSession(DeviceState("sw1", "C9300-48P", sample_config("sw1"), SECRET))
    for line in ("enable", SECRET, "configure terminal"):
        session.handle_line(line)
    return session


def prompts(cli: CliSession, *lines: str) -> list[str]:
    replies = [cli.handle_line(line).text for line in lines]
    assert not any("%" in reply for reply in replies), replies
    return [reply.rsplit("\n", 1)[-1] for reply in replies]


@pytest.mark.parametrize(("lines", "expected"), [
    (["policy-map type control subscriber PMAP", " event session-started match-all",
      "  10 class always do-until-failure", "   10 authenticate using dot1x priority 10", "   exit", "  exit", " exit"],
     ["config-event-control-policymap", "config-class-control-policymap", "config-action-control-policymap",
      "config-action-control-policymap", "config-class-control-policymap", "config-event-control-policymap", "config"]),
    (["class-map type control subscriber match-none NO_RESP", " match result-type method dot1x agent-not-found"],
     ["config-filter-control-classmap", "config-filter-control-classmap"]),
    (["class-map match-any VOICE", " match dscp ef"], ["config-cmap", "config-cmap"]),
    (["service-template CRITICAL_VOICE_ACCESS", " voice vlan", "vlan 10"],
     ["config-service-template", "config-service-template", "config-service-template"]),
    (["archive", " log config", "  logging enable", "  hidekeys", " path flash:archive/"],
     ["config-archive", "config-archive-log-cfg", "config-archive-log-cfg", "config-archive-log-cfg",
      "config-archive"]),
    (["archive", " log config", "logging host 10.9.9.9"], ["config-archive", "config-archive-log-cfg", "config"]),
    (["policy-map WAN-EDGE-SHAPER", " class class-default", "  shape average 100000000",
      "  service-policy WAN-EDGE-QUEUING"], ["config-pmap", "config-pmap-c", "config-pmap-c", "config-pmap-c"]),
    (["policy-map WAN-EDGE-QUEUING", " class DSCP-VOICE-MEDIA", "  priority level 1", "  police cir 2000000",
      "   conform-action transmit", "  police cir 1000000 conform-action transmit exceed-action drop"],
     ["config-pmap", "config-pmap-c", "config-pmap-c", "config-pmap-c-police", "config-pmap-c-police",
      "config-pmap-c"]),
    (["aaa server radius dynamic-author", " client 10.0.0.11 server-key 0 x"],
     ["config-locsvr-da-radius", "config-locsvr-da-radius"]),
    (["network-policy profile 10", " voice vlan 20 cos 5"], ["config-network-policy", "config-network-policy"]),
    (["device-tracking policy DT", " limit address-count 4"], ["config-device-tracking", "config-device-tracking"]),
    (["line vty 0 4", " access-class MGMT-VTY in vrf-also", "login block-for 120 attempts 5 within 60"],
     ["config-line", "config-line", "config"]),
    (["interface GigabitEthernet1/0/1", " access-session port-control auto",
      "authentication critical recovery delay 1000"],
     ["config-if", "config-if", "config"]),
])
def test_prompts_of_the_new_sections(cli: CliSession, lines: list[str], expected: list[str]) -> None:
    assert prompts(cli, *lines) == [f"sw1({mode})#" for mode in expected]


def test_new_objects_replace_and_negate_by_their_identity(cli: CliSession) -> None:
    prompts(cli, "ntp server 10.1.1.1 key 1", "ntp authentication-key 1 hmac-sha2-256 Clear-Value-1",
            "snmp-server group estate v3 priv access MGMT-SNMP")
    running = cli.device.running_config()
    assert "ntp server 10.1.1.1 key 1\n" in running and "ntp server 10.1.1.1\n" not in running
    assert "snmp-server group estate v3 priv access MGMT-SNMP\n" in running
    assert "snmp-server group estate v3 priv\n" not in running
    shown = re.search(r"^ntp authentication-key 1 hmac-sha2-256 (\d\d[0-9A-F]+) 7$", running, re.MULTILINE)
    assert shown is not None and len(shown.group(1)) == 2 + 2 * len("Clear-Value-1")
    assert "Clear-Value-1" not in running
    prompts(cli, "no ntp authentication-key 1 hmac-sha2-256 Clear-Value-1", "no ntp server 10.1.1.1")
    running = cli.device.running_config()
    assert "authentication-key" not in running and "ntp server 10.1.1.1" not in running


def test_ap_management_user_is_shown_hashed(cli: CliSession) -> None:
    prompts(cli, "ap profile AJP-1", " mgmtuser username estate-ap password 0 Same-Value secret 0 Same-Value")
    line = next(x for x in cli.device.running_config().splitlines() if "mgmtuser" in x)
    hashed = r"(\$8\$\S{14}\$\S{43})"
    found = re.fullmatch(rf" mgmtuser username estate-ap password 8 {hashed} secret 8 {hashed}", line)
    assert found is not None and found.group(1) != found.group(2)  # salted: equal values, different hashes
    prompts(cli, " mgmtuser username estate-ap password 0 Other secret 0 Other")
    assert sum("mgmtuser" in x for x in cli.device.running_config().splitlines()) == 1  # one per profile


def test_defaults_shown_negated(cli: CliSession) -> None:
    prompts(cli, "no ip dhcp snooping information option", "device-tracking policy DT", " no protocol udp")
    running = cli.device.running_config()
    assert "no ip dhcp snooping information option\n" in running
    assert "device-tracking policy DT\n no protocol udp\n" in running
