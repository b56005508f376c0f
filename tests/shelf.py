"""Test data built once and kept while the tests that need it run one after another, each rolled back to it.

A shelved fixture (`shelved(...)`) builds its data inside a transaction opened on every database under the tests'
own: each test's transaction (pytest-django's `db`) is then a savepoint, rolled back after it, and the data stays for
the next test that needs it. Levels stack (a county, then a year of work on it, then its computed run): a test that
needs less, another level, or an empty database rolls the levels it does not need back before its fixtures are set
up (`prepare`, called by the root conftest before each test); the tests of a module are grouped by the levels they
need (`group_by_level`) so that each level is built about once per module and worker.

Each test gets fresh Python objects, fetched again by primary key, so that what a test changes on them (a run's
state, the policy's view cached on a user) does not reach the next. A transactional test (or a browser test, or one
whose database transaction was opened before the shelf's) never runs inside a shelf: its data is built for it alone.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.db import connections, transaction
from django.db.models import Model
from django.test import override_settings
from django.utils import translation


@dataclass(frozen=True, eq=False)
class Level:
    """What a shelved fixture builds: on the data of the level below (if any), given the test's `params`."""

    name: str
    build: object
    below: Level | None
    params: tuple[str, ...]

    def chain(self) -> list[Level]:
        return [*(self.below.chain() if self.below else []), self]


def _levels_of(item) -> list[Level]:
    """The shelved levels a test asks for, deepest last (one chain; two that are not a chain are a mistake)."""
    info = getattr(item, "_fixtureinfo", None)
    found = []
    for name in getattr(item, "fixturenames", ()):
        defs = info.name2fixturedefs.get(name) if info else None
        level = getattr(defs[-1].func, "shelf_level", None) if defs else None
        if level is not None:
            found.append(level)
    if not found:
        return []
    deepest = max(found, key=lambda level: len(level.chain()))
    chain = deepest.chain()
    assert all(level in chain for level in found), f"{item.nodeid} asks for shelved data of two kinds: {found}"
    return chain


def _key(item, level: Level) -> tuple:
    params = getattr(getattr(item, "callspec", None), "params", {})
    return (level, tuple(params[name] for name in level.params))


def needed(item) -> list[tuple]:
    """The keys of the levels a test needs, bottom first."""
    return [_key(item, level) for level in _levels_of(item)]


def is_transactional(item) -> bool:
    from django.test import TestCase, TransactionTestCase

    cls = getattr(item, "cls", None)
    if cls and issubclass(cls, TransactionTestCase):
        return not issubclass(cls, TestCase)
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    names = getattr(item, "fixturenames", ())
    return "transactional_db" in names or "live_server" in names


def uses_db(item) -> bool:
    from django.test import TransactionTestCase

    cls = getattr(item, "cls", None)
    names = getattr(item, "fixturenames", ())
    return bool(
        (cls and issubclass(cls, TransactionTestCase))
        or item.get_closest_marker("django_db")
        or "db" in names
        or is_transactional(item)
        or _levels_of(item)
    )


# --- fresh objects for each test ---------------------------------------------------------------------------------


def _instances(value, found: dict) -> None:
    if isinstance(value, Model):
        found.setdefault((type(value), value.pk), value)
    elif isinstance(value, SimpleNamespace):
        _instances(vars(value), found)
    elif isinstance(value, dict):
        for item in value.values():
            _instances(item, found)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _instances(item, found)


def _rebuilt(value, fresh: dict):
    if isinstance(value, Model):
        return fresh[type(value), value.pk]
    if isinstance(value, SimpleNamespace):
        return SimpleNamespace(**_rebuilt(vars(value), fresh))
    if isinstance(value, dict):
        return {key: _rebuilt(item, fresh) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return type(value)(_rebuilt(item, fresh) for item in value)
    return value


def refetched(values: list) -> list:
    """The values with each model instance fetched again (one query a model), the relations between them kept."""
    originals: dict = {}
    _instances(values, originals)
    fresh = {}
    for model, group in itertools.groupby(sorted(originals, key=lambda k: id(k[0])), key=lambda k: k[0]):
        pks = [pk for _model, pk in group]
        fresh.update(((model, obj.pk), obj) for obj in model._base_manager.filter(pk__in=pks))
    for key, original in originals.items():
        assert key in fresh, f"{key[0].__name__} {key[1]} of the shelved data is gone"
        cache = fresh[key]._state.fields_cache
        for name, related in original._state.fields_cache.items():
            if isinstance(related, Model) and (type(related), related.pk) in fresh:
                cache[name] = fresh[type(related), related.pk]
    return _rebuilt(values, fresh)


# --- the shelf -------------------------------------------------------------------------------------------------------


class Shelf:
    """The levels now built in the database, bottom first: (key, atomic blocks by database alias, data)."""

    def __init__(self):
        self.stack: list[tuple[tuple, dict, object]] = []
        self.media = None

    def only_own_transactions(self) -> bool:
        """True when the only transactions open are the shelf's own (a test's own has not begun)."""
        return all(len(connections[alias].atomic_blocks) == len(self.stack) for alias in connections)

    def pop_to(self, keys: list[tuple], blocker) -> None:
        """Roll back the levels above the longest common beginning of the stack and `keys`."""
        keep = 0
        while keep < min(len(keys), len(self.stack)) and self.stack[keep][0] == keys[keep]:
            keep += 1
        if len(self.stack) == keep:
            return
        with blocker.unblock():
            while len(self.stack) > keep:
                _key, atomics, _data = self.stack.pop()
                for alias, atomic in reversed(atomics.items()):
                    transaction.set_rollback(True, using=alias)
                    atomic.__exit__(None, None, None)

    def push(self, key: tuple, build, blocker) -> None:
        atomics = {}
        with blocker.unblock():
            for alias in connections:
                atomic = transaction.atomic(using=alias)
                atomic._from_testcase = True  # as Django's TestCase marks its own: a durable block may open inside
                atomic.__enter__()
                atomics[alias] = atomic
            try:
                data = build()
            except BaseException:
                for alias, atomic in reversed(atomics.items()):
                    transaction.set_rollback(True, using=alias)
                    atomic.__exit__(None, None, None)
                raise
        self.stack.append((key, atomics, data))

    def data(self) -> list:
        return [data for _key, _atomics, data in self.stack]


SHELF = Shelf()
_VALUES = pytest.StashKey[list]()


def _building(build):
    """Build as the tests' autouse fixtures would have it: English messages, uploads in the session's folder."""

    def run(*args, **kwargs):
        with translation.override("en"), override_settings(MEDIA_ROOT=SHELF.media):
            return build(*args, **kwargs)

    return run


def build_for(item, blocker) -> None:
    """Before the test's own transaction (the `_shelved` fixture comes before `db`): shelve the levels it needs that
    are not there yet, unless it commits or its transaction has begun already."""
    chain = _levels_of(item)
    if not chain or is_transactional(item) or not SHELF.only_own_transactions():
        return
    keys = [_key(item, level) for level in chain]
    SHELF.pop_to(keys, blocker)
    for level, key in zip(chain[len(SHELF.stack) :], keys[len(SHELF.stack) :], strict=True):
        below = SHELF.data()  # the level below, fetched again in the level's own transaction
        SHELF.push(key, lambda level=level, key=key, below=below: _call(level, key, _top(below)), blocker)


def _top(values: list):
    return refetched(values)[-1] if values else None


def values_for(item) -> list:
    """The data of every level the test needs, inside its transaction: what the shelf holds (prepare kept no more
    than it needs) fetched again, the rest built for this test alone (and rolled back or flushed with it)."""
    values = item.stash.get(_VALUES, None)
    if values is None:
        chain = _levels_of(item)
        keys = [_key(item, level) for level in chain]
        assert keys[: len(SHELF.stack)] == [key for key, _atomics, _data in SHELF.stack], "prepare() was not called"
        values = refetched(SHELF.data()) if SHELF.stack else []
        for level, key in zip(chain[len(values) :], keys[len(values) :], strict=True):
            values.append(_call(level, key, values[-1] if values else None))
        item.stash[_VALUES] = values
    return values


def _call(level: Level, key: tuple, below):
    kwargs = dict(zip(level.params, key[1], strict=True))
    build = _building(level.build)
    return build(below, **kwargs) if level.below else build(**kwargs)


LEVELS: dict[str, Level] = {}


def shelved(name: str, build, *, below: str | None = None, params: tuple[str, ...] = (), doc: str = ""):
    """A fixture `name` giving the data `build` makes: `build(**params)` for a bottom level, else
    `build(data_below, **params)` with fresh objects of the level named `below` to change and return. `params` name
    test parameters the data depends on (the tests are grouped by them)."""
    level = Level(name, build, LEVELS[below] if below else None, params)
    LEVELS.setdefault(name, level)

    def fixture(request, _shelved, db):
        return values_for(request.node)[len(level.chain()) - 1]

    fixture.__doc__ = doc or build.__doc__
    fixture.__name__ = name
    fixture.shelf_level = level
    return pytest.fixture(name=name)(fixture)


def prepare(item) -> None:
    """Before a test's fixtures: roll back the shelved levels it does not need (all of them for a transactional
    test, or one that wants the empty database); one that does not touch the database leaves them."""
    if not SHELF.stack or not uses_db(item):
        return
    from pytest_django.plugin import blocking_manager_key

    keys = [] if is_transactional(item) else needed(item)
    SHELF.pop_to(keys, item.config.stash[blocking_manager_key])


def close(blocker) -> None:
    SHELF.pop_to([], blocker)


def group_by_level(items: list) -> None:
    """Within each module's run of tests (of one kind: database, transactional, none), the tests that need the same
    shelved levels one after another, in the order their levels first appear (a stable sort)."""
    start = 0
    for _kind, run in itertools.groupby(items, key=_kind_of):
        run = list(run)
        order: dict = {}

        def rank(item, order=order):
            keys = needed(item) if not is_transactional(item) else []
            return tuple(order.setdefault(tuple(keys[: n + 1]), len(order)) for n in range(len(keys)))

        items[start : start + len(run)] = sorted(run, key=rank)
        start += len(run)


def _kind_of(item) -> tuple:
    return (getattr(item, "module", None), is_transactional(item), uses_db(item))
