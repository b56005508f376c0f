"""Names in the order their readers look for them: Chinese names by pinyin (as dictionaries and spreadsheets sort
them), not by the code points of their characters, which follow no order a reader knows.

PostgreSQL sorts with ICU's Chinese collation (`zh-x-icu`, pinyin order); SQLite with a collation of the same name
registered on each connection, which compares the pinyin of the names (`pypinyin`, its phrase dictionary reading
重庆 as chong qing; its dictionaries load on the first such sort, about 0.2 s and 55 MB of a SQLite process, and the
keys of up to 50,000 names are kept, about 35 MB). Both put punctuation first, then digits, Chinese, Latin letters.
Other languages keep the database's order.
"""

from functools import lru_cache

from django.db import connection
from django.db.backends.signals import connection_created
from django.db.models import F
from django.db.models.functions import Collate
from django.utils import translation

from .text import HAN

PINYIN = "zh-x-icu"  # the ICU collation's name in PostgreSQL, and the name SQLite's is registered under


@lru_cache(maxsize=50_000)  # a county's organizations and members; about 35 MB when full
def pinyin_key(name: str) -> tuple:
    """The sort key of a name, ordered as ICU's Chinese collation orders scripts: punctuation, then digits, then
    Chinese by the pinyin of its characters with their tones (read phrase by phrase), then Latin letters without
    regard to case; the name itself last, so that homophones keep a stable order."""
    from pypinyin import Style, lazy_pinyin

    parts = []
    for run, chinese in _runs(name):
        if chinese:
            parts += [(1, s) for s in lazy_pinyin(run, style=Style.TONE3, neutral_tone_with_five=True)]
        else:
            parts += [(0 if ch.isdigit() else 2 if ch.isalpha() else -1, ch) for ch in run.lower() if not ch.isspace()]
    return (tuple(parts), name)


def _runs(name: str):
    """The name cut into runs of Chinese characters and of anything else."""
    start = 0
    for i in range(1, len(name) + 1):
        if i == len(name) or bool(HAN.match(name[i])) != bool(HAN.match(name[start])):
            yield name[start:i], bool(HAN.match(name[start]))
            start = i


def _compare(a: str, b: str) -> int:
    ka, kb = pinyin_key(a), pinyin_key(b)
    return (ka > kb) - (ka < kb)


def register(sender, connection, **kwargs) -> None:
    """Give each new SQLite connection the pinyin collation (connected from the core app's ready())."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(PINYIN, _compare)


def by_reading(field: str, *, chinese: bool = False):
    """An ordering expression of a name field in the order its reader looks names up: by pinyin on Chinese pages,
    and on every page for a field whose names are Chinese whatever the page's language (`chinese`: members' names,
    which have no English form)."""
    expression = F(field)
    zh = chinese or (translation.get_language() or "").startswith("zh")
    return Collate(expression, PINYIN) if zh and _available() else expression


_icu: dict[str, bool] = {}


def _available() -> bool:
    """Whether the database sorts by pinyin: SQLite always (the collation is registered); PostgreSQL when built with
    ICU, as Debian's and the official images are (asked once per server; without it names keep the server's order
    rather than fail)."""
    if connection.vendor == "sqlite":
        return True
    if connection.vendor != "postgresql":
        return False
    server = f"{connection.settings_dict.get('HOST')}:{connection.settings_dict.get('PORT')}"
    if server not in _icu:
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_collation WHERE collname = %s)", [PINYIN])
            _icu[server] = bool(cursor.fetchone()[0])
    return _icu[server]


def connect() -> None:
    connection_created.connect(register, dispatch_uid="grassroots.core.collation")
