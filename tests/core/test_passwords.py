"""Passwords are at least 10 characters and mix three kinds of characters; `grassroots createadmin` refuses a weak
one with the reasons, not a traceback."""

import re

import pytest
from django.contrib.auth.password_validation import get_default_password_validators, validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from grassroots.cli import main
from tests.factories import UserFactory

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("password", ["admin12345", "grassroots", "ABCDEFGH12", "short-1A"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


@pytest.mark.parametrize("password", ["Qingshan-2026", "a-long-pass-phrase-1", "青山村党支部Ab12"])
def test_passwords_mixing_three_kinds_of_characters_pass(password):
    validate_password(password)


def test_the_rule_is_stated_in_chinese():
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        validate_password("onlysmallletters")
    assert any("至少包含" in m for m in refused.value.messages)


def test_every_configured_rule_refuses_in_chinese(db):
    """Each validator of AUTH_PASSWORD_VALIDATORS, given passwords that break it, says why in Chinese (Django 5.2's
    message of the least length has no Chinese of its own: the project's validator says it in its own words)."""
    user = UserFactory(username="zhangsanfeng", email="zhangsanfeng@example.org", password="Qingshan-2026")
    tries = ["zhangsanfeng", "Ab1-x", "onlysmallletters", "password123", "1234567890123", "Qingshan-2026"]
    with translation.override("zh-hans"):
        for validator in get_default_password_validators():
            said = []
            for password in tries:
                try:
                    validator.validate(password, user)
                except ValidationError as refused:
                    said.extend(refused.messages)
            name = type(validator).__name__
            assert said, f"{name} refused none of {tries}"
            assert all(CHINESE.search(message) for message in said), f"{name}: {said}"


def test_createadmin_refuses_a_weak_password_with_its_reasons(db, capsys):
    assert main(["createadmin", "--username", "root", "--password", "admin12345"]) == 2
    assert "password refused" in capsys.readouterr().out
    assert main(["createadmin", "--username", "root", "--password", "Str0ng-enough"]) == 0
