"""The Simplified Chinese catalogue: complete, not fuzzy, placeholders intact, and compiled.

The .po file is read with the small parser below, so these tests need neither polib nor a database.
When a new msgid is added (makemessages), the failure message lists it with its source location.
"""

import gettext
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils import translation

import grassroots

LC_MESSAGES = Path(grassroots.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"

# %(name)s, %(size).1f, %d, %s, %% … (Python's printf-style conversions).
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa%]")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


@dataclass
class Entry:
    line: int
    references: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        refs = " ".join(self.references) or f"django.po line {self.line}"
        return f"{self.msgid!r} ({refs})"

    @property
    def translations(self) -> list[str]:
        if self.msgid_plural is None:
            return [self.msgstr]
        return [self.msgstr_plural[k] for k in sorted(self.msgstr_plural)] or [""]


def _unquote(text: str) -> str:
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), "\\" + m.group(1)), text[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """Entries of a .po file, the header (msgid "") included; obsolete (#~) entries are skipped."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None

    def finish():
        nonlocal current, target
        if current is not None and target is not None:
            entries.append(current)
        current, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            finish()
            continue
        if line.startswith("#"):
            if target is not None:
                finish()
            current = current or Entry(line=number)
            if line.startswith("#:"):
                current.references.extend(line[2:].split())
            elif line.startswith("#,"):
                current.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        keyword = re.match(r"(msgctxt|msgid_plural|msgid|msgstr\[(\d+)\]|msgstr)\s+(\".*\")$", line)
        if keyword:
            name, index, value = keyword.group(1), keyword.group(2), _unquote(keyword.group(3))
            if name in ("msgctxt", "msgid") and target is not None and target[0] not in ("msgctxt",):
                finish()
            current = current or Entry(line=number)
            if index is not None:
                target = ("msgstr_plural", int(index))
                current.msgstr_plural[int(index)] = value
            else:
                target = (name, None)
                setattr(current, name, value)
            continue
        assert line.startswith('"') and current is not None and target is not None, f"django.po:{number}: {raw}"
        value = _unquote(line)
        if target[0] == "msgstr_plural":
            current.msgstr_plural[target[1]] += value
        else:
            setattr(current, target[0], getattr(current, target[0]) + value)
    finish()
    return entries


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    return parse_po(PO)


@pytest.fixture(scope="module")
def messages(catalogue) -> list[Entry]:
    return [e for e in catalogue if e.msgid]


def _header(catalogue) -> dict[str, str]:
    header = next(e for e in catalogue if e.msgid == "" and e.msgctxt is None)
    return dict(line.split(": ", 1) for line in header.msgstr.splitlines() if ": " in line)


def test_the_parser_sees_every_message(catalogue, messages):
    text = PO.read_text(encoding="utf-8")
    assert len(messages) == len(re.findall(r"^msgid ", text, re.M)) - 1  # minus the header
    assert len([e for e in messages if e.msgid_plural is not None]) == len(re.findall(r"^msgid_plural ", text, re.M))


def test_header_is_for_simplified_chinese(catalogue):
    header = _header(catalogue)
    assert header["Project-Id-Version"].startswith("Grassroots")
    assert header["Language"] == "zh_Hans"
    assert header["Content-Type"] == "text/plain; charset=UTF-8"
    assert header["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"


def test_every_message_is_translated(messages):
    untranslated = [e.where for e in messages if not all(s.strip() for s in e.translations)]
    assert not untranslated, f"{len(untranslated)} msgid(s) without a Chinese translation:\n" + "\n".join(untranslated)


def test_no_entry_is_fuzzy(catalogue):
    fuzzy = [e.where if e.msgid else "the header" for e in catalogue if "fuzzy" in e.flags]
    assert not fuzzy, "fuzzy entries (review them, then remove the flag):\n" + "\n".join(fuzzy)


def test_plural_entries_have_the_single_chinese_form(messages):
    wrong = [e.where for e in messages if e.msgid_plural is not None and sorted(e.msgstr_plural) != [0]]
    assert not wrong, "plural entries need exactly msgstr[0] (nplurals=1):\n" + "\n".join(wrong)


def test_placeholders_are_kept(messages):
    problems = []
    for e in messages:
        expected = Counter(PLACEHOLDER.findall(e.msgid))
        if e.msgid_plural is not None:
            expected = Counter(PLACEHOLDER.findall(e.msgid_plural))
        for text in e.translations:
            found = Counter(PLACEHOLDER.findall(text))
            if text and found != expected:
                problems.append(f"{e.where}: expected {sorted(expected.elements())}, got {sorted(found.elements())}")
    assert not problems, "placeholders differ between msgid and msgstr:\n" + "\n".join(problems)


def test_html_tags_are_kept(messages):
    problems = [
        e.where
        for e in messages
        for text in e.translations
        if text and Counter(TAG.findall(text)) != Counter(TAG.findall(e.msgid_plural or e.msgid))
    ]
    assert not problems, "HTML tags differ between msgid and msgstr:\n" + "\n".join(problems)


def _expected_catalogue(catalogue) -> dict:
    """What a compiled .mo holds for these entries (translated, non-fuzzy; the header left out)."""
    result = {}
    for e in catalogue:
        if not e.msgid or "fuzzy" in e.flags:
            continue
        key = e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}"
        if e.msgid_plural is None:
            if e.msgstr:
                result[key] = e.msgstr
        elif all(e.msgstr_plural.values()):
            result.update({(key, i): s for i, s in e.msgstr_plural.items()})
    return result


def _compiled(path: Path) -> dict:
    with path.open("rb") as fp:
        compiled = gettext.GNUTranslations(fp)._catalog
    return {k: v for k, v in compiled.items() if k != ""}


def _diff(expected: dict, actual: dict) -> str:
    lines = [f"missing from .mo: {k!r}" for k in expected if k not in actual]
    lines += [f"only in .mo: {k!r}" for k in actual if k not in expected]
    lines += [
        f"differs: {k!r}: .po {expected[k]!r} / .mo {actual[k]!r}"
        for k in expected
        if k in actual and expected[k] != actual[k]
    ]
    return "\n".join(lines[:40])


def test_compiled_catalogue_matches_the_po_file(catalogue):
    expected, actual = _expected_catalogue(catalogue), _compiled(MO)
    assert expected == actual, "django.mo is out of date: run compilemessages (or msgfmt).\n" + _diff(expected, actual)


@pytest.fixture
def msgfmt():
    path = shutil.which("msgfmt")
    if path is None:
        pytest.skip("GNU gettext (msgfmt) is not installed")
    return path


def test_msgfmt_check_passes_and_its_output_equals_the_committed_mo(msgfmt, tmp_path):
    out = tmp_path / "django.mo"
    result = subprocess.run([msgfmt, "--check", "-o", str(out), str(PO)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert _compiled(out) == _compiled(MO), "django.mo is out of date: run compilemessages (or msgfmt).\n" + _diff(
        _compiled(out), _compiled(MO)
    )


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("Log in", "登录"),
        ("My work", "我的工作"),
        ("Review", "审核"),
        ("Probationary member", "预备党员"),
        ("Branch", "党支部"),
        ("Political construction", "政治建设"),
        ("Overdue", "已逾期"),
    ],
)
def test_django_serves_the_chinese_strings(english, chinese):
    with translation.override("zh-hans"):
        assert translation.gettext(english) == chinese
    with translation.override("en"):
        assert translation.gettext(english) == english


def test_django_formats_chinese_plurals_and_placeholders():
    with translation.override("zh-hans"):
        for n in (1, 3):
            text = translation.ngettext("%(n)s member", "%(n)s members", n) % {"n": n}
            assert text == f"{n} 名党员"
        text = translation.gettext(
            "The check digit of the ID number is wrong (expected %(d)s): a digit is probably mistyped."
        ) % {"d": "X"}
        assert text == "身份证号校验位不对（应为 X），可能有数字输错了。"


def test_the_catalogue_holds_every_message_of_the_source(msgfmt, tmp_path):
    """makemessages over a copy of the source finds no msgid the committed catalogue lacks."""
    if shutil.which("xgettext") is None:
        pytest.skip("GNU gettext (xgettext) is not installed")
    source = Path(grassroots.__file__).parent
    copy = tmp_path / "grassroots"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    result = subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "--no-obsolete", "--no-location"],
        cwd=copy,
        env={
            **os.environ,
            "PYTHONPATH": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "grassroots.config.settings",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    found = {
        (e.msgctxt, e.msgid) for e in parse_po(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po") if e.msgid
    }
    committed = {(e.msgctxt, e.msgid) for e in parse_po(PO) if e.msgid}
    assert len(found) > 500  # makemessages read the whole source
    missing = sorted(found - committed, key=str)
    assert not missing, (
        "messages in the source but not in django.po (run make messages and translate them):\n"
        + "\n".join(repr(m) for m in missing[:40])
    )
