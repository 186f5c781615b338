"""Fixtures for the simulator tests: sample configs, device specs and in-process labs."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from estate.lab import LabDeviceSpec, LabHandle, running_lab

SAMPLE_CONFIG = """\
hostname {hostname}
!
no ip domain lookup
ip dhcp snooping
ip dhcp snooping vlan 10,20
!
vlan 10
 name data
!
vlan 20
 name voice
!
vlan 70
 name legacy
!
interface GigabitEthernet1/0/1
 description desk-1
 switchport access vlan 10
 switchport mode access
 spanning-tree portfast
 spanning-tree bpduguard enable
!
interface GigabitEthernet1/0/2
 description desk-2
 switchport access vlan 10
 switchport mode access
 spanning-tree portfast
 spanning-tree bpduguard enable
!
interface GigabitEthernet1/0/3
 switchport mode access
!
interface GigabitEthernet1/0/48
 description uplink
 switchport mode trunk
 switchport trunk allowed vlan 10,20
!
interface Vlan10
 ip address 10.1.10.2 255.255.255.0
!
ntp server 10.1.1.1
ntp server 10.1.1.2
logging host 10.1.1.5
snmp-server group estate v3 priv
snmp-server user estate estate v3 auth sha AUTHKEY priv aes 128 PRIVKEY
!
banner login ^C
Authorised access only
^C
!
line vty 0 4
 transport input ssh
!
"""

PASSWORD = "lab-password"
SECRET = "lab-secret"


def sample_config(hostname: str = "sw1") -> str:
    return SAMPLE_CONFIG.format(hostname=hostname)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


SpecFactory = Callable[..., LabDeviceSpec]


@pytest.fixture(scope="module")
def lab_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def make_spec(lab_port: int) -> SpecFactory:
    def factory(hostname: str, **overrides: object) -> LabDeviceSpec:
        fields: dict[str, object] = {
            "hostname": hostname,
            "site_id": "MPS-0001",
            "role": "access",
            "model": "C9300-48P",
            "config_text": sample_config(hostname),
            "password": SecretStr(PASSWORD),
            "secret": SecretStr(SECRET),
            "port": lab_port,
        }
        fields.update(overrides)
        return LabDeviceSpec.model_validate(fields)

    return factory


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, make_spec: SpecFactory) -> Iterator[LabHandle]:
    names = ["sw-ok", "sw-refuse", "sw-auth", "sw-reject", "sw-slow", "sw-drop", "sw-key"]
    state_dir: Path = tmp_path_factory.mktemp("lab")
    with running_lab([make_spec(name) for name in names], state_dir) as handle:
        yield handle
