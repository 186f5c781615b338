"""SecretBook: current values for resolving, every value seen for masking; values refused at
load; the positional mask for values estate never saw."""

from __future__ import annotations

import json
import threading

import pytest

from estate.secrets import (
    MASK,
    SecretBook,
    SecretValueError,
    from_environment,
    mask,
    mask_positions,
    resolve,
)

INTENDED = """\
hostname sw1
tacacs server TAC1
 address ipv4 10.0.0.1
 key 6 ${TACACS_KEY}
radius server RAD1
 address ipv4 10.0.0.2
 key 6 ${RADIUS_KEY}
snmp-server user ops ops v3 auth sha ${SNMP_AUTH} priv aes 128 ${SNMP_PRIV}
enable secret 9 ${ENABLE_HASH}
"""

# what a device still runs after the values were rotated (and one typed as clear text)
RUNNING = """\
hostname sw1
tacacs server TAC1
 address ipv4 10.0.0.1
 key 0 OldTacacs-1
radius server RAD1
 address ipv4 10.0.0.2
 key 6 OldRadius-2
snmp-server user ops ops v3 auth sha OldAuth-3 priv aes 128 OldPriv-4
enable secret 9 $9$OldHash-5
"""
OLD = {"TACACS_KEY": "OldTacacs-1", "RADIUS_KEY": "OldRadius-2", "SNMP_AUTH": "OldAuth-3",
       "SNMP_PRIV": "OldPriv-4", "ENABLE_HASH": "$9$OldHash-5"}


def test_book_is_a_mapping_of_current_values_only() -> None:
    book = SecretBook({"TACACS_KEY": "NewTacacs"})
    book.learn_from(INTENDED, RUNNING)
    assert dict(book) == {"TACACS_KEY": "NewTacacs"}
    assert resolve("key 6 ${TACACS_KEY}", book) == "key 6 NewTacacs"
    assert "NewTacacs" not in repr(book) and "OldTacacs" not in repr(book)


def test_old_values_are_learned_from_the_running_config_under_their_own_names() -> None:
    book = SecretBook({"TACACS_KEY": "NewTacacs"})
    assert book.learn_from(INTENDED, RUNNING) == len(OLD)
    assert book.seen_counts() == {"ENABLE_HASH": 1, "RADIUS_KEY": 1, "SNMP_AUTH": 1, "SNMP_PRIV": 1,
                                  "TACACS_KEY": 2}
    assert set(book.every_value()) == {*OLD.values(), "NewTacacs"}
    # learned where it stands anywhere in a text, not only after a keyword
    assert mask("device said: OldTacacs-1 rejected", book) == f"device said: {MASK} rejected"


def test_a_line_of_another_section_teaches_nothing() -> None:
    book = SecretBook()
    book.learn_from(INTENDED, "line vty 0 4\n key 6 NotASecret\n")
    assert book.every_value() == []


def test_placeholders_and_short_values_are_not_learned() -> None:
    book = SecretBook()
    book.learn_from(INTENDED, INTENDED.replace("key 6 ${RADIUS_KEY}", "key 6 abc"))
    assert book.every_value() == []


def test_learning_is_safe_from_many_threads() -> None:
    book = SecretBook()
    threads = [threading.Thread(target=book.learn, args=("TACACS_KEY", f"value-{n:04d}")) for n in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert book.seen_counts() == {"TACACS_KEY": 200}


def test_positional_mask_hides_values_estate_never_saw() -> None:
    masked = mask_positions(RUNNING + " key-string 7 KeyString\nntp authentication-key 1 md5 NtpKey 7\n")
    for value in [*OLD.values(), "KeyString", "NtpKey"]:
        assert value not in masked
    assert "key 0 <secret>" in masked and "priv aes 128 <secret>" in masked
    kept = "key 6 ${TACACS_KEY}\nvlan 10\ncrypto key generate rsa\nkey chain K\n"
    assert mask_positions(kept) == kept


def test_positional_mask_keeps_json_valid() -> None:
    lines = [" key 0 OldTacacs-1", ' key 0 quo"te', "auth sha A priv aes 128 B"]
    masked = mask_positions(json.dumps({"rollback": lines}))
    assert json.loads(masked) == {"rollback": [" key 0 <secret>", " key 0 <secret>",
                                               "auth sha <secret> priv aes 128 <secret>"]}


@pytest.mark.parametrize("value", [" padded", "padded ", "two\nlines", "tab\tinside", "nul\x00", "bell\x07"])
def test_environment_values_with_whitespace_or_control_characters_are_refused(value: str) -> None:
    with pytest.raises(SecretValueError, match="ESTATE_SECRET_RADIUS_KEY") as caught:
        from_environment({"ESTATE_SECRET_RADIUS_KEY": value})
    assert value.strip() not in str(caught.value)


def test_environment_values_become_a_book() -> None:
    book = from_environment({"ESTATE_SECRET_TACACS_KEY": "Tac-Value", "ESTATE_SECRET_UNKNOWN": "x",
                             "ESTATE_SECRET_RADIUS_KEY": ""})
    assert isinstance(book, SecretBook)
    assert dict(book) == {"TACACS_KEY": "Tac-Value"}


def test_mask_applies_the_positional_mask_too() -> None:
    assert mask("key 7 NeverSeen\nother Known-Value", {"X": "Known-Value"}) == f"key 7 {MASK}\nother {MASK}"
