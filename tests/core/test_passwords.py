"""Passwords are at least 10 characters and mix three kinds of characters; `grassroots createadmin` refuses a weak
one with the reasons, not a traceback."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from grassroots.cli import main


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


def test_createadmin_refuses_a_weak_password_with_its_reasons(db, capsys):
    assert main(["createadmin", "--username", "root", "--password", "admin12345"]) == 2
    assert "password refused" in capsys.readouterr().out
    assert main(["createadmin", "--username", "root", "--password", "Str0ng-enough"]) == 0
