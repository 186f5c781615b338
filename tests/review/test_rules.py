"""The line rules of `estate.change.rules`, one test id per rule: never-removed lines are kept
(in the remediation and in the rollback) and reported; management-path removals go in after
their replacement, or are flagged `management-path` when there is none; encrypted keys compare
by presence; write-only lines count as present; rotation re-sends; convergence holds."""

from __future__ import annotations

import pytest

from estate.change.diff import compute_diff
from estate.change.risk import RiskKind, RiskSettings, assess
from estate.change.rules import RULES, LineRule, RuleKind, matching_rule
from estate.secrets import MASK, placeholders_in

BASE = "hostname sw1\nip domain name example.net\n"
CIPHER = "KEAEbPEOHcSMPHN^eP_KNUMSMWGYZ[EAAB"  # what a device shows for a type-6 key (its own)
OTHER_CIPHER = "dLXdQSVg_bd`DbWXKhSVU^AVaFHXaAAB"

# running lines that the intended config lacks, one example per never-remove rule
NEVER_EXAMPLES: dict[str, str] = {
    r"vlan 1": "vlan 1\n name SPECIAL\n",
    r"vlan 100[2-5]": "vlan 1002\n name fddi-default\n",
    r"interface Vlan1": "interface Vlan1\n shutdown\n",
    r"interface GigabitEthernet0/0": "interface GigabitEthernet0/0\n vrf forwarding Mgmt-vrf\n"
                                     " ip address 192.0.2.10 255.255.255.0\n",
    r"vrf definition Mgmt-vrf": "vrf definition Mgmt-vrf\n address-family ipv4\n",
    r"crypto pki (trustpoint|certificate chain) (TP-self-signed-\d+|SLA-TrustPoint)":
        "crypto pki trustpoint TP-self-signed-3010591178\n enrollment selfsigned\n"
        "crypto pki trustpoint SLA-TrustPoint\n enrollment pkcs12\n",
    r"license .+": "license boot level network-advantage addon dna-advantage\n",
    r"version .+": "version 17.9\n",
    r"boot-start-marker|boot-end-marker|boot .+":
        "boot-start-marker\nboot system flash:packages.conf\nboot-end-marker\n",
    r"switch \d+ provision .+": "switch 1 provision c9300-48p\n",
    r"aaa new-model": "aaa new-model\n",
    r"aaa session-id common": "aaa session-id common\n",
    r"enable secret .+": "enable secret 9 $9$u3Oa1ZoZLxmC7E$n0tAhAsh\n",
    r"key config-key .+": "key config-key password-encrypt NotShownOnIOS\n",
    r"password encryption aes": "password encryption aes\n",
    r"archive": "archive\n path flash:estate-archive/\n maximum 14\n",
    r"line con 0|line vty 0 4": "line con 0\n exec-timeout 10 0\n",
    r"service call-home|call-home": "service call-home\ncall-home\n contact-email-addr sch-smart-licensing@cisco.com\n",
    r"control-plane|redundancy|spanning-tree extend system-id|diagnostic bootup level \S+"
    r"|transceiver type all|memory free low-watermark processor \d+":
        "control-plane\nredundancy\n mode sso\nspanning-tree extend system-id\ndiagnostic bootup level minimal\n"
        "transceiver type all\n monitoring\nmemory free low-watermark processor 131406\n",
    r"(wireless (profile|tag) \S+|ap profile) default-\S+": "wireless profile policy default-policy-profile\n"
                                                             " shutdown\nwireless tag site default-site-tag\n",
    r"parameter-map type webauth global": "parameter-map type webauth global\n type webauth\n",
}

# running, intended with a replacement (None: the command replaces itself in place, nothing is
# negated), intended without one
MANAGEMENT_EXAMPLES: dict[str, tuple[str, str | None, str]] = {
    r"interface Vlan{mgmt}( / ip address .+)?": (
        "interface Vlan10\n ip address 10.0.0.2 255.255.255.0\n",
        "interface Vlan11\n ip address 10.0.1.2 255.255.255.0\n",
        "interface Vlan10\n",
    ),
    r"ip default-gateway \S+": ("ip default-gateway 10.0.0.1\n", None, ""),
    r"ip route (?P<scope>vrf \S+ )?0\.0\.0\.0 0\.0\.0\.0 .+": (
        "ip route 0.0.0.0 0.0.0.0 10.0.0.1 name OLD\n", "ip route 0.0.0.0 0.0.0.0 10.0.0.9 name NEW\n", "",
    ),
    r"(?P<scope>line vty \d+(?: \d+)?) / (ipv6 )?access-class .+": (
        "line vty 0 4\n access-class MGMT in\n", "line vty 0 4\n access-class MGMT-NEW in\n", "line vty 0 4\n",
    ),
    r"(?P<scope>line vty \d+(?: \d+)?) / transport input .+": ("line vty 0 4\n transport input ssh\n", None,
                                                                "line vty 0 4\n"),
}

# section, running line (a device's stored form), intended line (clear text for the device to encrypt)
PRESENCE_EXAMPLES: dict[str, tuple[str, str, str]] = {
    r"(tacacs|radius) server \S+ / (?P<id>key) (?P<type>[0-9]) (?P<secret>\S+)": (
        "tacacs server ISE-1\n address ipv4 192.0.2.11\n", f" key 6 {CIPHER}", " key 0 ${TACACS_KEY}",
    ),
    r"aaa server radius dynamic-author / (?P<id>client \S+(?: vrf \S+)? server-key) (?P<type>[0-9]) (?P<secret>\S+)": (
        "aaa server radius dynamic-author\n", f" client 192.0.2.11 server-key 6 {CIPHER}",
        " client 192.0.2.11 server-key 0 ${RADIUS_KEY}",
    ),
    r"(?P<id>ntp authentication-key \d+ \S+) (?P<secret>\S+)(?: (?P<type>[0-9]))?": (
        "", f"ntp authentication-key 1 hmac-sha2-256 {CIPHER} 7", "ntp authentication-key 1 hmac-sha2-256 ${NTP_KEY}",
    ),
    r"ap profile \S+ / (?P<id>mgmtuser username \S+) password (?P<type>[0-9]) (?P<secret>\S+)(?: .+)?": (
        "ap profile AP-MPS-0001\n description site APs\n",
        f" mgmtuser username apadmin password 8 $8${CIPHER} secret 8 $8$x{CIPHER}",
        " mgmtuser username apadmin password 0 ${AP_MGMT_PASSWORD} secret 0 ${AP_MGMT_SECRET}",
    ),
    r"crypto ikev2 keyring \S+ / peer \S+ / (?P<id>pre-shared-key(?: local| remote)?) (?:(?P<type>[0-9]) )?"
    r"(?P<secret>\S+)": (
        "crypto ikev2 keyring AWS\n peer AWS-T1\n  address 192.0.2.21\n", f"  pre-shared-key 6 {CIPHER}",
        "  pre-shared-key 0 ${VPN_PSK_HUB_EAST_T1}",
    ),
}

SNMP_GROUP = "snmp-server group NMS-RO v3 priv\n"
SNMP_USER = "snmp-server user estate-nms NMS-RO v3 auth sha ${SNMP_AUTH} priv aes 128 ${SNMP_PRIV}"
# running that proves the object, the write-only intended line
WRITE_ONLY_EXAMPLES: dict[str, tuple[str, str]] = {
    r"(?P<id>snmp-server user \S+ (?P<group>\S+)) .+": (SNMP_GROUP, SNMP_USER),
    r"(?P<id>key config-key password-encrypt)( .+)?": ("", "key config-key password-encrypt ${MASTER_KEY}"),
}


def _rules(kind: RuleKind) -> list[LineRule]:
    return [rule for rule in RULES if rule.kind is kind]


def _top_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line[0].isspace()]


def _negates(lines: tuple[str, ...], line: str) -> bool:
    return any(pushed.strip() in (f"no {line}", f"default {line}") for pushed in lines)


def test_every_rule_has_its_test() -> None:
    examples = {**NEVER_EXAMPLES, **MANAGEMENT_EXAMPLES, **PRESENCE_EXAMPLES, **WRITE_ONLY_EXAMPLES}
    assert sorted(rule.pattern for rule in RULES) == sorted(examples)
    assert all(rule.reason for rule in RULES)


@pytest.mark.parametrize("rule", _rules(RuleKind.NEVER_REMOVE), ids=lambda r: r.pattern)
def test_never_removed_line_is_kept_and_reported(rule: LineRule) -> None:
    example = NEVER_EXAMPLES[rule.pattern]
    for line in _top_lines(example):
        hit = matching_rule(RuleKind.NEVER_REMOVE, line)
        assert hit is not None and hit[0] is rule, line

    removal = compute_diff("sw1", "sw1", BASE + example, BASE)
    restore = compute_diff("sw1", "sw1", BASE, BASE + example)
    for line in _top_lines(example):
        assert not _negates(removal.remediation, line), removal.remediation
        assert not _negates(restore.rollback, line), restore.rollback
        if not line.startswith("version "):  # hier_config's IOS driver drops `version` before any rule
            assert any(k.line == line and not k.rollback and k.reason == rule.reason for k in removal.kept), line
            if matching_rule(RuleKind.WRITE_ONLY, line) is None:
                assert any(k.line == line and k.rollback for k in restore.kept), line
            else:  # never shown either: it counts as present, nothing to add or to take back
                assert not restore.changed and not restore.rollback
            assert "kept: never removed" in str(next(k for k in removal.kept if k.line == line))
    assert removal.converged and removal.rollback_converged
    assert restore.converged and restore.rollback_converged


def test_no_vlan_1_even_when_named() -> None:
    """The audit saw the review propose `no vlan 1` for a running VLAN 1 with a name."""
    running = BASE + "vtp mode transparent\nvlan 1\n name USERS-OLD\nvlan 10\n name MGMT\n"
    intended = BASE + "vtp mode transparent\nvlan 10\n name MGMT\n"
    diff = compute_diff("sw1", "sw1", running, intended)
    assert not any(line.strip().startswith("no vlan 1") and line.strip() != "no vlan 10" for line in diff.remediation)
    assert "no vlan 1" not in [line.strip() for line in diff.remediation]
    assert [k.line for k in diff.kept] == ["vlan 1"]
    assert not diff.changed and diff.converged
    risks = assess(diff.remediation, diff.added, diff.removed, RiskSettings(10))
    assert not [r for r in risks if r.kind is RiskKind.VLAN_REMOVAL]


def _position(lines: tuple[str, ...], wanted: str) -> int:
    return next(i for i, line in enumerate(lines) if line.strip() == wanted)


@pytest.mark.parametrize("rule", _rules(RuleKind.MANAGEMENT_PATH), ids=lambda r: r.pattern)
def test_management_path_removal_comes_after_its_replacement(rule: LineRule) -> None:
    running, replaced, _bare = MANAGEMENT_EXAMPLES[rule.pattern]
    if replaced is None:  # the device replaces the value in place: nothing is ever negated
        diff = compute_diff("sw1", "sw1", BASE + running, BASE + running.replace("10.0.0.1", "10.0.0.9")
                            .replace("ssh", "ssh telnet"))
        assert diff.changed and not any(line.strip().startswith("no ") for line in diff.remediation)
        return
    diff = compute_diff("sw1", "sw1", BASE + running, BASE + replaced)
    added = [i for i, line in enumerate(diff.remediation) if line.strip() in {r.strip() for r in replaced.splitlines()}
             and not line.strip().startswith("no ")]
    removed = [i for i, line in enumerate(diff.remediation) if line.strip().startswith("no ")]
    assert added and removed, diff.remediation
    assert max(added) < min(removed), diff.remediation
    # and the rollback puts the old path back before it takes the new one away
    back_added = [i for i, line in enumerate(diff.rollback) if line.strip() in {r.strip() for r in running.splitlines()}
                  and not line.strip().startswith("no ")]
    back_removed = [i for i, line in enumerate(diff.rollback) if line.strip().startswith("no ")]
    assert max(back_added) < min(back_removed), diff.rollback
    risks = assess(diff.remediation, diff.added, diff.removed, RiskSettings(None))
    assert RiskKind.MANAGEMENT_PATH not in {r.kind for r in risks}
    assert diff.converged and diff.rollback_converged


@pytest.mark.parametrize("rule", _rules(RuleKind.MANAGEMENT_PATH), ids=lambda r: r.pattern)
def test_management_path_removal_without_replacement_is_flagged(rule: LineRule) -> None:
    running, _replaced, bare = MANAGEMENT_EXAMPLES[rule.pattern]
    diff = compute_diff("sw1", "sw1", BASE + "ntp server 192.0.2.1\n" + running, BASE + "ntp server 192.0.2.2\n" + bare)
    negation = next(line for line in diff.remediation if line.strip().startswith("no ") and "ntp" not in line)
    flagged = [r for r in assess(diff.remediation, diff.added, diff.removed, RiskSettings(10))
               if r.kind is RiskKind.MANAGEMENT_PATH]
    assert [r.line.rsplit(" / ", 1)[-1] for r in flagged] == [negation.strip()], flagged
    # it goes in last, after every other change (the ntp server here)
    assert _position(diff.remediation, negation.strip()) > _position(diff.remediation, "ntp server 192.0.2.2")


def test_management_path_flag_follows_the_management_vlan() -> None:
    diff = compute_diff("sw1", "sw1", BASE + "interface Vlan30\n ip address 10.3.0.1 255.255.255.0\n",
                        BASE + "interface Vlan30\n")
    kinds = {r.kind for r in assess(diff.remediation, diff.added, diff.removed, RiskSettings(10))}
    assert RiskKind.MANAGEMENT_PATH not in kinds  # a user VLAN's SVI, not the management one
    kinds = {r.kind for r in assess(diff.remediation, diff.added, diff.removed, RiskSettings(30))}
    assert RiskKind.MANAGEMENT_PATH in kinds


@pytest.mark.parametrize("rule", _rules(RuleKind.PRESENCE), ids=lambda r: r.pattern)
def test_encrypted_key_satisfies_its_clear_text_form(rule: LineRule) -> None:
    section, shown, intended_line = PRESENCE_EXAMPLES[rule.pattern]
    running, intended = BASE + section + shown + "\n", BASE + section + intended_line + "\n"
    diff = compute_diff("sw1", "sw1", running, intended)
    assert not diff.changed and not diff.rollback and diff.converged and diff.rollback_converged
    # an intended ciphertext (a backup being restored) is compared as text: the restore sends it
    restore = compute_diff("sw1", "sw1", running, intended.replace(intended_line, shown.replace(CIPHER, OTHER_CIPHER)))
    assert any(OTHER_CIPHER in line for line in restore.remediation)


@pytest.mark.parametrize("rule", _rules(RuleKind.PRESENCE), ids=lambda r: r.pattern)
def test_rotation_resends_the_key_and_rolls_back_to_the_device_ciphertext(rule: LineRule) -> None:
    section, shown, intended_line = PRESENCE_EXAMPLES[rule.pattern]
    running, intended = BASE + section + shown + "\n", BASE + section + intended_line + "\n"
    name = sorted(placeholders_in(intended_line))[0]
    diff = compute_diff("sw1", "sw1", running, intended, rotate=frozenset({name, "NOT_IN_THIS_CONFIG"}))
    depth = len(intended_line) - len(intended_line.lstrip())  # the sections above the line, entered and left
    header = [line.strip() for line in section.splitlines() if len(line) - len(line.lstrip()) < depth]
    exits = ["exit"] * len(header)
    assert [line.strip() for line in diff.remediation] == [*header, intended_line.strip(), *exits]
    assert any(CIPHER in line for line in diff.rollback)
    assert not any(line.strip().startswith("no ") for line in diff.remediation)
    assert diff.rotated == frozenset({name}) and diff.converged and diff.rollback_converged
    other = compute_diff("sw1", "sw1", running, intended, rotate=frozenset({"SNMP_AUTH"}))
    assert not other.changed  # rotating one secret sends nothing for another


def test_rotation_resends_a_key_shown_exactly_as_intended() -> None:
    """A device that shows the key as it was typed (no encryption): the line is sent anyway."""
    text = BASE + "tacacs server ISE-1\n key 0 ${TACACS_KEY}\n"
    assert not compute_diff("sw1", "sw1", text, text).changed
    diff = compute_diff("sw1", "sw1", text, text, rotate=frozenset({"TACACS_KEY"}))
    assert [line.strip() for line in diff.remediation] == ["tacacs server ISE-1", "key 0 ${TACACS_KEY}", "exit"]
    assert not diff.rollback and diff.converged and diff.rollback_converged


@pytest.mark.parametrize("rule", _rules(RuleKind.WRITE_ONLY), ids=lambda r: r.pattern)
def test_write_only_line_counts_as_present(rule: LineRule) -> None:
    anchor, line = WRITE_ONLY_EXAMPLES[rule.pattern]
    diff = compute_diff("sw1", "sw1", BASE + anchor, BASE + anchor + line + "\n")
    assert not diff.changed and not diff.rollback and diff.converged and diff.rollback_converged


def test_write_only_line_is_sent_with_the_object_it_belongs_to() -> None:
    """No SNMP group on the device: the user cannot exist either, so it is added with the group,
    and the rollback removes both."""
    diff = compute_diff("sw1", "sw1", BASE, BASE + SNMP_GROUP + SNMP_USER + "\n")
    assert [line.strip() for line in diff.remediation] == [SNMP_GROUP.strip(), SNMP_USER]
    assert f"no {SNMP_USER}" in diff.rollback and diff.converged and diff.rollback_converged


def test_rotating_a_write_only_secret_resends_it_and_the_rollback_keeps_it() -> None:
    diff = compute_diff("sw1", "sw1", BASE + SNMP_GROUP, BASE + SNMP_GROUP + SNMP_USER + "\n",
                        rotate=frozenset({"SNMP_PRIV"}))
    assert diff.remediation == (SNMP_USER,)
    assert not diff.rollback  # the previous passphrases are unknown: removing the user would be worse
    assert [(k.line, k.rollback) for k in diff.kept] == [(SNMP_USER, True)]
    assert diff.converged and diff.rollback_converged


def test_management_ordering_leaves_other_removals_in_place() -> None:
    diff = compute_diff("sw1", "sw1", BASE + "ntp server 192.0.2.1\nip route 0.0.0.0 0.0.0.0 10.0.0.1\n",
                        BASE + "ntp server 192.0.2.2\nip route 0.0.0.0 0.0.0.0 10.0.0.9\n")
    assert [line.strip() for line in diff.remediation] == [
        "no ntp server 192.0.2.1", "ntp server 192.0.2.2", "ip route 0.0.0.0 0.0.0.0 10.0.0.9",
        "no ip route 0.0.0.0 0.0.0.0 10.0.0.1"]


def test_never_remove_line_replaced_in_place_is_changed_normally() -> None:
    """A never-remove line that the intended replaces (one value per device) is set, not kept."""
    diff = compute_diff("sw1", "sw1", BASE + "enable secret 9 $9$old$hash\n", BASE + "enable secret 9 $9$new$hash\n")
    assert diff.remediation == ("enable secret 9 $9$new$hash",)
    assert not diff.kept and diff.converged and diff.rollback_converged


def test_masked_backup_value_is_satisfied_by_the_device_value() -> None:
    """A backup cannot keep a type-7 NTP key (reversible): restoring it keeps the device's key
    instead of trying to send `<secret>`; a device without the key gets the masked line, which
    the push refuses to send."""
    shown = f"ntp authentication-key 1 hmac-sha2-256 {CIPHER} 7\n"
    backup = f"ntp authentication-key 1 hmac-sha2-256 {MASK} 7\n"
    restore = compute_diff("sw1", "sw1", BASE + shown, BASE + backup)
    assert not restore.changed and restore.converged and restore.rollback_converged
    missing = compute_diff("sw1", "sw1", BASE, BASE + backup)
    assert any(MASK in line for line in missing.remediation)


def test_missing_ntp_key_is_an_addition_and_a_keyed_server_replaces_the_plain_one() -> None:
    running = BASE + "ntp server 192.0.2.1\n"
    intended = (BASE + "ntp authenticate\nntp authentication-key 1 hmac-sha2-256 ${NTP_KEY}\nntp trusted-key 1\n"
                "ntp server 192.0.2.1 key 1\n")
    diff = compute_diff("sw1", "sw1", running, intended)
    assert sorted(diff.remediation) == sorted(["ntp authenticate", "ntp authentication-key 1 hmac-sha2-256 ${NTP_KEY}",
                                               "ntp trusted-key 1", "ntp server 192.0.2.1 key 1"])
    assert "ntp server 192.0.2.1" in diff.rollback and not any(
        line == "no ntp server 192.0.2.1" for line in diff.remediation)
    assert diff.converged and diff.rollback_converged
