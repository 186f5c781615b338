"""The site design's configuration (issue 9) through the change engine and real netmiko over SSH
to the simulator: IBNS 2.0 control policies, hierarchical QoS, authenticated NTP, VTY and SNMP
ACLs on a switch; AP management user, CAPWAP backups and mobility on a C9800. Each is reviewed,
pushed and reviewed again (no change left); the keys the devices show in their own form (NTP
key as type 7, AP management user as type 8) compare by presence, rotate on request and never
appear in clear in what estate writes."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from netmiko import ConnectHandler

from estate.change.backup import backup_text
from estate.change.diff import DeviceDiff, compute_diff
from estate.change.session import apply_lines, end_config
from estate.change.transcript import Transcript
from estate.lab import LabHandle, running_lab
from estate.secrets import SecretBook, mask, resolve
from tests.lab.conftest import SpecFactory

pytestmark = pytest.mark.e2e

SECRETS = {
    "TACACS_KEY": "Tacacs-Key-0001",
    "RADIUS_KEY": "Radius-Key-0002",
    "SNMP_AUTH": "Snmp-Auth-0003",
    "SNMP_PRIV": "Snmp-Priv-0004",
    "NTP_KEY": "Ntp-Key-0005",
    "AP_MGMT_PASSWORD": "Ap-Password-0006",
    "AP_MGMT_SECRET": "Ap-Secret-0007",
}

PORTS = ["GigabitEthernet1/0/1", "GigabitEthernet1/0/2", "GigabitEthernet1/0/3", "TenGigabitEthernet1/1/1"]

SWITCH_START = """\
hostname {hostname}
!
password encryption aes
ip domain name lab.example
!
archive
 path flash:archive/
 maximum 14
!
vlan 10
 name DATA
!
vlan 20
 name VOICE
!
""" + "".join(f"interface {port}\n switchport mode access\n!\n" for port in PORTS[:3]) + """\
interface TenGigabitEthernet1/1/1
 no switchport
 ip address 192.0.2.2 255.255.255.252
!
ntp server 10.1.1.1
ntp server 10.1.1.2
!
radius server ISE-1
 address ipv4 10.0.0.11 auth-port 1812 acct-port 1813
 key 0 Radius-Key-0002
!
line vty 0 4
 transport input ssh
line vty 5 15
 transport input ssh
!
"""

# What the templates render for an access switch of the site design (placeholders unresolved).
SWITCH_INTENDED = """\
hostname {hostname}
password encryption aes
ip domain name lab.example
login block-for 120 attempts 3 within 60
login quiet-mode access-class MGMT-ACCESS
ip dhcp snooping vlan 10,20
ip dhcp snooping database flash:dhcp-snooping.db
no ip dhcp snooping information option
ip dhcp snooping
ip arp inspection vlan 10,20
ip arp inspection validate src-mac dst-mac ip
errdisable recovery cause bpduguard
errdisable recovery cause psecure-violation
errdisable recovery cause dhcp-rate-limit
errdisable recovery cause arp-inspection
errdisable recovery interval 300
authentication critical recovery delay 1000
dot1x system-auth-control
dot1x critical eapol
access-session mac-move deny
archive
 log config
  logging enable
  hidekeys
 path flash:archive/
 maximum 14
vlan 10
 name DATA
vlan 20
 name VOICE
class-map type control subscriber match-all DOT1X_FAILED
 match method dot1x
 match result-type method dot1x authoritative
class-map type control subscriber match-all AAA_SVR_DOWN_UNAUTHD_HOST
 match result-type aaa-timeout
 match authorization-status unauthorized
class-map type control subscriber match-none DOT1X_NO_RESP
 match result-type method dot1x agent-not-found
service-template CRITICAL_DATA_TEMPLATE
 vlan 10
service-template CRITICAL_VOICE_TEMPLATE
 voice vlan
policy-map type control subscriber PMAP_DOT1X_MAB
 event session-started match-all
  10 class always do-until-failure
   10 authenticate using dot1x priority 10
 event authentication-failure match-first
  5 class AAA_SVR_DOWN_UNAUTHD_HOST do-until-failure
   10 activate service-template CRITICAL_DATA_TEMPLATE
   20 activate service-template CRITICAL_VOICE_TEMPLATE
   30 authorize
   40 pause reauthentication
  10 class DOT1X_FAILED do-until-failure
   10 terminate dot1x
   20 authenticate using mab priority 20
  20 class DOT1X_NO_RESP do-until-failure
   10 terminate dot1x
   20 authenticate using mab priority 20
  40 class always do-until-failure
   10 terminate dot1x
   20 terminate mab
   30 authentication-restart 60
 event agent-found match-all
  10 class always do-until-failure
   10 terminate mab
   20 authenticate using dot1x priority 10
 event authentication-success match-all
  10 class always do-until-failure
   10 activate service-template DEFAULT_LINKSEC_POLICY_SHOULD_SECURE
device-tracking policy DT_ACCESS
 limit address-count 4
 security-level glean
 no protocol udp
 tracking enable
class-map match-any VOICE
 match access-group name QOS-VOICE
policy-map WAN-CHILD
 class VOICE
  priority level 1
  police cir 2000000
 class class-default
  bandwidth remaining percent 100
policy-map WAN-PARENT
 class class-default
  shape average 100000000
  service-policy WAN-CHILD
interface GigabitEthernet1/0/1
 description Desk 001
 switchport access vlan 10
 switchport mode access
 switchport voice vlan 20
 device-tracking attach-policy DT_ACCESS
 ip dhcp snooping limit rate 15
 ip arp inspection limit rate 100
 ip verify source
 access-session host-mode multi-auth
 access-session closed
 access-session port-control auto
 mab
 dot1x pae authenticator
 dot1x timeout tx-period 7
 spanning-tree portfast
 spanning-tree bpduguard enable
 storm-control broadcast level 1.00
 storm-control action trap
 service-policy type control subscriber PMAP_DOT1X_MAB
interface GigabitEthernet1/0/2
 description Printer 001
 switchport access vlan 10
 switchport mode access
 access-session port-control auto
 mab
 service-policy type control subscriber PMAP_DOT1X_MAB
interface GigabitEthernet1/0/3
 description Unused
 switchport mode access
 shutdown
interface TenGigabitEthernet1/1/1
 description WAN uplink
 no switchport
 ip address 192.0.2.2 255.255.255.252
 spanning-tree guard root
 udld port aggressive
 service-policy output WAN-PARENT
ip access-list standard MGMT-ACCESS
 10 permit 10.250.0.0 0.0.255.255
 20 deny any log
ip access-list standard SNMP-ACCESS
 10 permit 10.250.10.0 0.0.0.255
 20 deny any log
ip access-list extended QOS-VOICE
 10 permit udp 10.20.0.0 0.0.255.255 any range 16384 32767
ntp authenticate
ntp authentication-key 1 hmac-sha2-256 ${{NTP_KEY}}
ntp trusted-key 1
ntp server 10.1.1.1 key 1
ntp server 10.1.1.2 key 1
radius server ISE-1
 address ipv4 10.0.0.11 auth-port 1812 acct-port 1813
 automate-tester username estate-probe probe-on
 key 0 ${{RADIUS_KEY}}
snmp-server group NMS-RO v3 priv access SNMP-ACCESS
snmp-server enable traps snmp linkdown linkup
snmp-server enable traps errdisable
line vty 0 4
 access-class MGMT-ACCESS in vrf-also
 transport input ssh
line vty 5 15
 access-class MGMT-ACCESS in vrf-also
 transport input ssh
"""

WLC_START = """\
hostname {hostname}
!
password encryption aes
!
archive
 path flash:archive/
 maximum 14
!
ap profile AP-MPS-0001
 description "MPS-0001 APs"
!
wireless profile policy PP-GUEST
 shutdown
!
wlan GUEST 3 MPS-Guest
 shutdown
!
"""

WLC_INTENDED = """\
hostname {hostname}
password encryption aes
archive
 path flash:archive/
 maximum 14
wireless mobility group name MPS-MOBILITY
wireless mobility mac-address 0011.2233.4401
wireless mobility group member mac-address 0011.2233.4402 ip 10.250.1.12 group MPS-MOBILITY
wireless mobility group member mac-address 0011.2233.44aa ip 192.0.2.50 group MPS-MOBILITY
ap profile AP-MPS-0001
 capwap backup primary mps-dev-wlc01 10.250.1.11
 capwap backup secondary mps-dev-wlc02 10.250.1.12
 description "MPS-0001 APs"
 mgmtuser username estate-ap password 0 ${{AP_MGMT_PASSWORD}} secret 0 ${{AP_MGMT_SECRET}}
 ssh
wireless profile policy PP-GUEST
 mobility anchor 192.0.2.50 priority 1
 no shutdown
wlan GUEST 3 MPS-Guest
 peer-blocking drop
 no security wpa
 no security wpa wpa2
 no security wpa akm dot1x
 no security ft
 no shutdown
"""


@pytest.fixture(scope="module")
def design_lab(tmp_path_factory: pytest.TempPathFactory, make_spec: SpecFactory) -> Iterator[LabHandle]:
    specs = [
        make_spec("sw-design", config_text=SWITCH_START.format(hostname="sw-design"), master_key=True),
        make_spec("sw-nokey", config_text=SWITCH_START.format(hostname="sw-nokey"), master_key=True),
        make_spec("wlc-design", model="C9800-40-K9", role="wlc", config_text=WLC_START.format(hostname="wlc-design"),
                  master_key=True),
    ]
    with running_lab(specs, tmp_path_factory.mktemp("design")) as handle:
        yield handle


@pytest.fixture
def lab(design_lab: LabHandle) -> Iterator[LabHandle]:
    before = {name: design_lab.device(name).stored_config() for name in design_lab.hostnames}
    yield design_lab
    for name, text in before.items():
        design_lab.set_running_config(name, text)


def _connect(lab: LabHandle, hostname: str) -> Any:
    conn = ConnectHandler(**lab.netmiko_params(hostname), conn_timeout=5)
    conn.enable()
    return conn


def show_run(lab: LabHandle, hostname: str) -> str:
    conn = _connect(lab, hostname)
    try:
        return str(conn.send_command("show running-config"))
    finally:
        conn.disconnect()


def review(lab: LabHandle, hostname: str, intended: str, secrets: Mapping[str, str] = SECRETS,
           rotate: frozenset[str] = frozenset()) -> DeviceDiff:
    """What `estate review` computes for one device: its running config read over SSH, compared
    with the intended config (values back to placeholders)."""
    return compute_diff(hostname, hostname, show_run(lab, hostname), intended, secrets=secrets, rotate=rotate)


def push(lab: LabHandle, hostname: str, diff: DeviceDiff, transcript: Path,
         secrets: Mapping[str, str] = SECRETS) -> None:
    """What `estate push` sends: the remediation, line by line with the prompt checked."""
    assert diff.converged and diff.rollback_converged, diff.remediation
    conn = _connect(lab, hostname)
    try:
        conn.config_mode()
        with Transcript(transcript, SecretBook(secrets)) as log:
            apply_lines(conn, diff.remediation, transcript=log, secrets=secrets, timeout=5.0)
            end_config(conn, log)
    finally:
        conn.disconnect()


def _no_clear_value(text: str, where: str, secrets: Mapping[str, str] = SECRETS) -> None:
    for name, value in secrets.items():
        assert value not in text, f"{name} in clear in {where}"


def test_switch_design_pushes_and_then_reviews_unchanged(lab: LabHandle, tmp_path: Path) -> None:
    intended = SWITCH_INTENDED.format(hostname="sw-design")
    before = review(lab, "sw-design", intended)
    assert before.changed
    sent = [line.strip() for line in before.remediation]
    for line in ("policy-map type control subscriber PMAP_DOT1X_MAB", "10 authenticate using dot1x priority 10",
                 "service-policy WAN-CHILD", "police cir 2000000", "ntp authentication-key 1 hmac-sha2-256 ${NTP_KEY}",
                 "access-class MGMT-ACCESS in vrf-also", "log config", "hidekeys", "ntp server 10.1.1.1 key 1"):
        assert line in sent, line
    assert "no ntp server 10.1.1.1" not in sent  # the keyed server line replaces the plain one in place

    push(lab, "sw-design", before, tmp_path / "push.log")
    running = show_run(lab, "sw-design")
    # the device's own forms: NTP key type 7 (type after the value), RADIUS key type 6
    assert re.search(r"^ntp authentication-key 1 hmac-sha2-256 [0-9A-F]+ 7$", running, re.MULTILINE), running
    assert re.search(r"^ key 6 \S+$", running, re.MULTILINE)
    assert "ntp server 10.1.1.1 key 1\n" in running and "ntp server 10.1.1.1\n" not in running
    assert " no protocol udp\n" in running
    _no_clear_value(running, "the running config")
    _no_clear_value((tmp_path / "push.log").read_text(), "the push transcript")

    after = review(lab, "sw-design", intended)
    assert not after.changed, after.remediation
    assert after.converged and after.rollback_converged


def test_device_without_the_ntp_key_shows_it_as_an_addition(lab: LabHandle, tmp_path: Path) -> None:
    intended = SWITCH_INTENDED.format(hostname="sw-nokey")
    push(lab, "sw-nokey", review(lab, "sw-nokey", intended), tmp_path / "push.log")
    conn = _connect(lab, "sw-nokey")
    try:
        conn.send_config_set(["no ntp authentication-key 1"], error_pattern=r"% Invalid|% Incomplete")
    finally:
        conn.disconnect()
    assert "ntp authentication-key" not in lab.running_config("sw-nokey")
    diff = review(lab, "sw-nokey", intended)
    assert [line.strip() for line in diff.remediation] == ["ntp authentication-key 1 hmac-sha2-256 ${NTP_KEY}"]
    assert "+ ntp authentication-key 1 hmac-sha2-256 ${NTP_KEY}" in [line.strip() for line in diff.unified]
    assert diff.added == 1 and diff.removed == 0
    push(lab, "sw-nokey", diff, tmp_path / "again.log")
    assert not review(lab, "sw-nokey", intended).changed


def test_ntp_key_rotation_resends_it_and_only_it(lab: LabHandle, tmp_path: Path) -> None:
    intended = SWITCH_INTENDED.format(hostname="sw-design")
    push(lab, "sw-design", review(lab, "sw-design", intended), tmp_path / "push.log")
    old_line = next(line for line in show_run(lab, "sw-design").splitlines() if "authentication-key" in line)

    rotated = {**SECRETS, "NTP_KEY": "Ntp-Key-Rotated-0099"}
    assert not review(lab, "sw-design", intended, rotated).changed  # never an implicit rotation
    diff = review(lab, "sw-design", intended, rotated, rotate=frozenset({"NTP_KEY"}))
    assert list(diff.remediation) == ["ntp authentication-key 1 hmac-sha2-256 ${NTP_KEY}"]
    assert list(diff.rollback) == [old_line]  # back to the device's own ciphertext
    push(lab, "sw-design", diff, tmp_path / "rotate.log", rotated)
    new_line = next(line for line in show_run(lab, "sw-design").splitlines() if "authentication-key" in line)
    assert new_line != old_line and new_line.endswith(" 7")
    assert not review(lab, "sw-design", intended, rotated).changed
    _no_clear_value((tmp_path / "rotate.log").read_text(), "the rotation transcript", rotated)


def test_wlc_design_pushes_and_then_reviews_unchanged(lab: LabHandle, tmp_path: Path) -> None:
    intended = WLC_INTENDED.format(hostname="wlc-design")
    before = review(lab, "wlc-design", intended)
    sent = [line.strip() for line in before.remediation]
    for line in ("wireless mobility group name MPS-MOBILITY", "capwap backup primary mps-dev-wlc01 10.250.1.11",
                 "mgmtuser username estate-ap password 0 ${AP_MGMT_PASSWORD} secret 0 ${AP_MGMT_SECRET}",
                 "mobility anchor 192.0.2.50 priority 1", "peer-blocking drop"):
        assert line in sent, line
    push(lab, "wlc-design", before, tmp_path / "push.log")
    running = show_run(lab, "wlc-design")
    assert re.search(r"^ mgmtuser username estate-ap password 8 \$8\$\S+ secret 8 \$8\$\S+$", running, re.MULTILINE)
    _no_clear_value(running, "the running config")
    _no_clear_value((tmp_path / "push.log").read_text(), "the push transcript")
    after = review(lab, "wlc-design", intended)
    assert not after.changed, after.remediation

    # a backup keeps the device's type-8 hashes (a restore sends them back) and no clear value
    kept = backup_text(running, SECRETS)
    assert re.search(r"password 8 \$8\$\S+ secret 8 \$8\$\S+", kept)
    _no_clear_value(kept, "the backup")

    rotated = {**SECRETS, "AP_MGMT_PASSWORD": "Ap-Password-Rotated-0099"}
    diff = review(lab, "wlc-design", intended, rotated, rotate=frozenset({"AP_MGMT_PASSWORD"}))
    assert [line.strip() for line in diff.remediation] == [
        "ap profile AP-MPS-0001",
        "mgmtuser username estate-ap password 0 ${AP_MGMT_PASSWORD} secret 0 ${AP_MGMT_SECRET}", "exit"]
    push(lab, "wlc-design", diff, tmp_path / "rotate.log", rotated)
    assert not review(lab, "wlc-design", intended, rotated).changed


def test_ntp_key_backup_is_masked_and_restores_as_present(lab: LabHandle, tmp_path: Path) -> None:
    """A type-7 value is reversible: a backup masks it; restoring that backup keeps the key the
    device holds instead of sending `<secret>`."""
    intended = SWITCH_INTENDED.format(hostname="sw-design")
    push(lab, "sw-design", review(lab, "sw-design", intended), tmp_path / "push.log")
    running = show_run(lab, "sw-design")
    kept = backup_text(running, SECRETS)
    assert re.search(r"^ntp authentication-key 1 hmac-sha2-256 <secret> 7$", kept, re.MULTILINE)
    assert mask(running, SECRETS) != running  # the type-7 value is hidden even when nobody knows it
    restore = compute_diff("sw-design", "sw-design", running, kept, secrets=SECRETS)
    assert not any("authentication-key" in line for line in restore.remediation), restore.remediation
    assert resolve("${NTP_KEY}", SECRETS) not in kept


def test_wlan_shows_both_shutdown_forms(lab: LabHandle) -> None:
    conn = _connect(lab, "wlc-design")
    try:
        conn.send_config_set(["wlan GUEST 3 MPS-Guest", " no shutdown", "exit"], error_pattern=r"% Invalid")
        assert " no shutdown\n" in lab.running_config("wlc-design")
        conn.send_config_set(["wlan GUEST 3 MPS-Guest", " shutdown", "exit"], error_pattern=r"% Invalid")
    finally:
        conn.disconnect()
    running = lab.running_config("wlc-design")
    assert "wlan GUEST 3 MPS-Guest\n shutdown\n" in running and "no shutdown" not in running


def test_switch_rollback_returns_to_the_start_config(lab: LabHandle, tmp_path: Path) -> None:
    intended = SWITCH_INTENDED.format(hostname="sw-design")
    start = show_run(lab, "sw-design")
    diff = review(lab, "sw-design", intended)
    push(lab, "sw-design", diff, tmp_path / "push.log")
    back = DeviceDiff(**{**{f: getattr(diff, f) for f in diff.__dataclass_fields__}, "remediation": diff.rollback})
    push(lab, "sw-design", back, tmp_path / "rollback.log")
    assert not compute_diff("sw-design", "sw-design", show_run(lab, "sw-design"), start, secrets=SECRETS).changed


def test_storm_control_levels_show_with_two_decimals(lab: LabHandle) -> None:
    conn = _connect(lab, "sw-design")
    try:
        conn.send_config_set(["interface GigabitEthernet1/0/1", " storm-control broadcast level 1",
                              " storm-control multicast level 2.5", "exit"], error_pattern=r"% Invalid")
    finally:
        conn.disconnect()
    running = lab.running_config("sw-design")
    assert " storm-control broadcast level 1.00\n storm-control multicast level 2.50\n" in running
