"""Two texts side by side with their differences marked: what one says that the other does not."""

import difflib
import re

from .shingles import is_chinese

LIMIT = 6000  # characters of each text compared (a longer tail is shown unmarked)
_WORDS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def _tokens(text: str) -> list[str]:
    return list(text) if is_chinese(text) else _WORDS.findall(text)


def side_by_side(left: str, right: str) -> tuple[list[tuple[bool, str]], list[tuple[bool, str]]]:
    """Each text as runs of (differs, text): runs the other text also has are False, the rest True."""
    left, right = left or "", right or ""
    a, b = _tokens(left[:LIMIT]), _tokens(right[:LIMIT])
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    out_a: list[tuple[bool, str]] = []
    out_b: list[tuple[bool, str]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        same = op == "equal"
        if i2 > i1:
            out_a.append((not same, "".join(a[i1:i2])))
        if j2 > j1:
            out_b.append((not same, "".join(b[j1:j2])))
    if len(left) > LIMIT:
        out_a.append((False, left[LIMIT:]))
    if len(right) > LIMIT:
        out_b.append((False, right[LIMIT:]))
    return out_a, out_b
