"""Email normalization and the password policy."""

from __future__ import annotations

import pytest

from elenchos.domain.errors import InvalidEmail, InvalidPassword
from elenchos.domain.users import check_password_policy, normalize_email


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ada@Example.COM", "ada@example.com"),
        ("  ada@example.com\t", "ada@example.com"),
        ("\uff21\uff24\uff21@example.com", "ada@example.com"),  # fullwidth "ADA"
        ("STRASSE@example.com", "strasse@example.com"),
    ],
)
def test_normalize_email_folds_case_and_width(raw: str, expected: str) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "no-at-sign", "@example.com", "ada@", "a da@example.com", "ada\x00@example.com"]
)
def test_normalize_email_rejects_non_addresses(raw: str) -> None:
    with pytest.raises(InvalidEmail):
        normalize_email(raw)


def test_normalize_email_rejects_overlong_address() -> None:
    with pytest.raises(InvalidEmail):
        normalize_email("a" * 250 + "@example.com")


def test_password_policy_length_bounds() -> None:
    check_password_policy("x" * 8, "ada@example.com")
    check_password_policy("x" * 1024, "ada@example.com")

    with pytest.raises(InvalidPassword):
        check_password_policy("x" * 7, "ada@example.com")
    with pytest.raises(InvalidPassword):
        check_password_policy("x" * 1025, "ada@example.com")


def test_password_policy_has_no_composition_rules() -> None:
    check_password_policy("alllowercaseletters", "ada@example.com")


def test_password_equal_to_email_rejected() -> None:
    with pytest.raises(InvalidPassword):
        check_password_policy("Ada@Example.com", "ada@example.com")
