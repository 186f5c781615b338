"""A tiny site for the operational and safety tests: an access switch uplinked to a core by a
two-member LACP port-channel (described the way estate renders uplinks), an AP and a phone on
the access switch, and a C9800 whose AP filter gives the site's APs their site tag."""

from __future__ import annotations

COMMON = """\
hostname {hostname}
!
ip domain name lab.example
password encryption aes
!
archive
 path flash:estate-archive/$h
 maximum 5
!
vlan 10
 name data
!
ntp server 10.1.1.1
!
tacacs server ISE-1
 address ipv4 10.0.0.11
 key 6 AAAAPreviouslyEncryptedKeyAAB
!
line vty 0 4
 transport input ssh
!
"""

ACCESS = COMMON + """\
interface Port-channel1
 description Uplink to core1
 switchport mode trunk
!
interface GigabitEthernet1/0/1
 description AP SITE-AP01
 switchport mode trunk
!
interface GigabitEthernet1/0/2
 description Phone 001
 switchport access vlan 10
 switchport mode access
!
interface GigabitEthernet1/0/3
 description Unused
 switchport mode access
 shutdown
!
interface TenGigabitEthernet1/1/1
 description Uplink to core1 Po1
 switchport mode trunk
 channel-group 1 mode active
!
interface TenGigabitEthernet1/1/2
 description Uplink to core1 Po1
 switchport mode trunk
 channel-group 1 mode active
!
interface Vlan10
 ip address 10.1.10.2 255.255.255.0
!
"""

CORE = COMMON + """\
interface Port-channel1
 description Downlink to acc1
 switchport mode trunk
!
interface TenGigabitEthernet1/1/1
 description Unused
 shutdown
!
interface TenGigabitEthernet1/1/3
 description Downlink to acc1 Po1
 switchport mode trunk
 channel-group 1 mode active
!
interface TenGigabitEthernet1/1/4
 description Downlink to acc1 Po1
 switchport mode trunk
 channel-group 1 mode active
!
"""

WLC = COMMON + """\
ap filter name AF-SITE
 ap name-regex ^SITE-AP[0-9]+$
 tag site ST-SITE
!
"""

NO_ARCHIVE = """\
hostname {hostname}
!
vlan 10
 name data
!
"""
