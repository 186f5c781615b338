"""show version parsed with ntc-templates and checked against the access settings; operational
snapshots parsed from sample outputs and compared."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from netmiko.utilities import get_structured_data_textfsm

from estate.change.checks import FactsError, Snapshot, platform_mismatch, read_facts, regressions, snapshot
from estate.change.connections import DeviceAccess
from estate.lab.ios_cli import CliSession, DeviceState, _show_version

ETHERCHANNEL = """\
Flags:  D - down        P - bundled in port-channel
        I - stand-alone s - suspended
        H - Hot-standby (LACP only)
        R - Layer3      S - Layer2
        U - in use      f - failed to allocate aggregator

        M - not in use, minimum links not met
        u - unsuitable for bundling
        w - waiting to be aggregated
        d - default port

        A - formed by Auto LAG


Number of channel-groups in use: 1
Number of aggregators:           1

Group  Port-channel  Protocol    Ports
------+-------------+-----------+-----------------------------------------------
1      Po1(SU)         LACP        Te1/1/1(P)      Te1/1/2({second})
"""

CDP = """\
Capability Codes: R - Router, T - Trans Bridge, B - Source Route Bridge
                  S - Switch, H - Host, I - IGMP, r - Repeater, P - Phone,
                  D - Remote, C - CVTA, M - Two-port Mac Relay

Device ID        Local Intrfce     Holdtme    Capability  Platform  Port ID
{rows}
Total cdp entries displayed : 2
"""
CDP_ROW = "mps-0001-cs01.net Ten 1/1/{n}        151              R S I  C9300-48P Ten 1/1/{m}"

POWER = """\
Module   Available     Used     Remaining
          (Watts)     (Watts)    (Watts)
------   ---------   --------   ---------
1           437.0       20.4       416.6
Interface Admin  Oper       Power   Device              Class Max
                            (Watts)
--------- ------ ---------- ------- ------------------- ----- ----
Gi1/0/1   auto   on         6.5     IP Phone 8845       3     30.0
Gi1/0/2   auto   {oper}         {watts}    C9136I              4     30.0
"""


@dataclass
class Outputs:
    """A connection whose `send_command(..., use_textfsm=True)` parses saved outputs as netmiko does."""

    texts: dict[str, str]
    device_type: str = "cisco_xe"
    asked: list[str] = field(default_factory=list)

    def send_command(self, command: str, use_textfsm: bool = False) -> object:
        self.asked.append(command)
        text = self.texts.get(command, "")
        return get_structured_data_textfsm(text, platform=self.device_type, command=command) if use_textfsm else text


def simulator_version(model: str = "C9300-48P") -> str:
    return _show_version(CliSession(DeviceState("sw1", model, "hostname sw1\n", "x")), []) or ""


ACCESS = DeviceAccess("sw1", "10.0.0.1", platform="C9300", software_train="17.")


def test_facts_from_show_version() -> None:
    facts = read_facts(Outputs({"show version": simulator_version()}))
    assert (facts.model, facts.version, facts.hostname) == ("C9300-48P", "17.9.4a", "sw1")
    assert facts.platform == "CAT9K_IOSXE"
    assert facts.serial.startswith("FOC")
    assert platform_mismatch(facts, ACCESS) is None


def test_another_model_family_is_refused() -> None:
    facts = read_facts(Outputs({"show version": simulator_version("C9200L-24P-4G")}))
    message = platform_mismatch(facts, ACCESS)
    assert message is not None and "C9200L-24P-4G is not a C9300" in message and message.startswith("sw1:")


def test_another_software_train_is_refused() -> None:
    facts = read_facts(Outputs({"show version": simulator_version().replace("17.9.4a", "16.12.5")}))
    message = platform_mismatch(facts, ACCESS)
    assert message is not None and "16.12.5 is not on the 17 train" in message


def test_unreadable_show_version_is_an_error() -> None:
    with pytest.raises(FactsError):
        read_facts(Outputs({"show version": "% Invalid input detected at '^' marker."}))


def switch(second: str = "P", neighbours: int = 2, oper: str = "on") -> Outputs:
    rows = "\n".join(CDP_ROW.format(n=n, m=n) for n in range(1, neighbours + 1))
    power = POWER.format(oper=oper, watts="13.9" if oper == "on" else " 0.0")
    return Outputs({"show etherchannel summary": ETHERCHANNEL.format(second=second),
                    "show cdp neighbors": CDP.format(rows=rows), "show power inline": power})


def test_switch_snapshot() -> None:
    taken = snapshot(switch(), "access")
    assert taken.bundled == {"Po1": 2}
    assert taken.neighbours == 2
    assert (taken.poe_powered, taken.poe_watts) == (2, 20.4)


def test_regressions_name_before_and_after() -> None:
    before = snapshot(switch(), "access")
    after = snapshot(switch(second="D", neighbours=1, oper="off"), "access")
    assert regressions(before, after) == [
        "Po1: bundled members 2 -> 1",
        "CDP/LLDP neighbours 2 -> 1",
        "PoE powered ports 2 -> 1 (20.4 W -> 6.5 W)",
    ]
    assert regressions(before, snapshot(switch(), "access")) == []


def test_wlc_aps_per_site() -> None:
    before = Snapshot("wlc_global", aps_per_site={"MPS-0001": 4, "MPS-0002": 2})
    after = Snapshot("wlc_global", aps_per_site={"MPS-0001": 4, "MPS-0002": 1})
    assert regressions(before, after) == ["joined APs at MPS-0002: 2 -> 1"]


@pytest.mark.parametrize("role", ["wlc_global", "wlc_site"])
def test_a_wlc_push_counts_its_aps(role: str) -> None:
    """The push passes the device model's role (`Role.value`): both WLC roles take the AP count."""
    connection = Outputs({})
    snapshot(connection, role)
    assert "show ap summary" in connection.asked
