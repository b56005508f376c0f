"""Running text punctuated as each language writes it: lists, labelled values and short durations."""

import re

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

# A Chinese (Han) character: the unified ideographs and their extension A.
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def enumerate_items(items) -> str:
    """Short items of one list in a sentence: "a, b, c" in English, "a，b，c" in Chinese; nothing trails."""
    return pgettext("separator of the short items of a list", ", ").join(str(i) for i in items)


def join_clauses(items) -> str:
    """Longer items, each a phrase of its own: "a; b" in English, "a；b" in Chinese; nothing trails."""
    return pgettext("separator of the longer items of a list", "; ").join(str(i) for i in items)


def labelled(label, value) -> str:
    """A value after its label: "label: value" in English, "label：value" in Chinese."""
    return f"{label}{pgettext('after a label', ': ')}{value}"


def duration(seconds: float) -> str:
    """A computing time as people read it: "under 1 ms", "35 ms", "2.4 seconds"."""
    seconds = max(0.0, float(seconds or 0))
    if seconds < 0.0005:
        return _("under 1 ms")
    if seconds < 0.9995:
        return _("%(ms)d ms") % {"ms": round(seconds * 1000)}
    return _("%(s).1f seconds") % {"s": seconds}


def bracketed(text: str, note: str, limit: int | None = None) -> str:
    """A note in brackets after a text that is stored as written (a duty's title, in whichever language its author
    wrote it): "（2026-12）" after Chinese, " (2026-12)" after anything else; the text shortened with "…" where the
    whole would pass `limit` characters (the note is what tells the copies apart)."""
    chinese = HAN.search(text) is not None
    suffix = f"（{note}）" if chinese else f" ({note})"
    if limit is not None and len(text) + len(suffix) > limit:
        text = text[: max(0, limit - len(suffix) - 1)] + "…"
    return text + suffix
