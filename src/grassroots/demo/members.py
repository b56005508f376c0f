"""Members and posts of the demo, drawn chunk by chunk with numpy from a seeded generator.

A seed always gives the same names, codes, ID numbers and phones; the demo people take the first rows of their
branches.
"""

import datetime as dt

import numpy as np
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.organizations.models import Member, MemberCategory, MemberStatus, OrgKind, Post, PostTitle, UnitType
from grassroots.organizations.validation import id_check_digit

from .accounts import _PEOPLE
from .bulk import insert_rows, next_pk
from .tree import _Chunk, _Node, _Plan
from .vocabulary import (
    _EDU_RANK,
    _EDU_VALUES,
    _FIVE_YEAR_TERM,
    _GIVEN,
    _MINORITIES,
    _ONE_CHAR_P,
    _PROFILE_NAMES,
    _PROFILES,
    _SURNAME_P,
    SURNAMES,
)

# ---------------------------------------------------------------------------------------------------------
# Members of one chunk, drawn together with numpy.

_DAYS_A_YEAR = 365.2425
# Mobile prefixes of the three carriers.
_PHONE_PREFIXES = (
    *(f"13{d}" for d in "0123456789"),
    *(f"15{d}" for d in "012356789"),
    *(f"18{d}" for d in "0123456789"),
    "166",
    "173",
    "176",
    "177",
    "191",
    "199",
)


def _birth_for_age(today: dt.date, age: int, days: int) -> dt.date:
    """`age` years and `days` (under a year) before today: the person is `age` today."""
    try:
        anniversary = today.replace(year=today.year - age)
    except ValueError:  # 29 February
        anniversary = today.replace(year=today.year - age, day=28)
    return anniversary - dt.timedelta(days=days)


def _plus_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _choice(rng, table, size) -> np.ndarray:
    weights = np.array([w for _v, w in table], dtype=float)
    return rng.choice(len(table), size=size, p=weights / weights.sum())


class _Drawn:
    """The members of a chunk as arrays, one row per member, grouped by branch in chunk.branches order."""


def _draw_members(chunk: _Chunk, today: dt.date) -> _Drawn:
    rng = chunk.rng
    branches = chunk.branches
    sizes = np.array([b.size for b in branches], dtype=np.int64)
    n = int(sizes.sum())
    profile_of_branch = np.array([_PROFILE_NAMES.index(b.profile) for b in branches])
    branch_ix = np.repeat(np.arange(len(branches)), sizes)
    profile = profile_of_branch[branch_ix]
    female, age, birth, joined, probationary = _draw_lives(rng, branches, sizes, branch_ix, profile, today)
    edu, occupation = _draw_work(rng, profile, age)
    surname, ethnicity = _draw_origins(rng, chunk, branch_ix, profile)

    drawn = _Drawn()
    drawn.n = n
    drawn.sizes = sizes
    drawn.starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    drawn.branch_ix = branch_ix
    drawn.female, drawn.age, drawn.birth, drawn.joined = female, age, birth, joined
    drawn.probationary, drawn.edu, drawn.occupation = probationary, edu, occupation
    drawn.surname, drawn.ethnicity = surname, ethnicity
    drawn.specials = {}
    _place_specials(drawn, chunk, today)
    drawn.names = _given_names(rng, drawn, today)
    for key, row in drawn.specials.items():
        drawn.names[row] = _PEOPLE[key]["name"]
    return drawn


def _draw_lives(rng, branches, sizes, branch_ix, profile, today: dt.date) -> tuple:
    """Gender, age, birth and joining days (ordinals), probation: by the profile of each member's branch."""
    n = len(branch_ix)
    t0 = today.toordinal()
    women_p = np.empty(len(branches))
    old_p = np.empty(len(branches))
    for i, b in enumerate(branches):
        p = _PROFILES[b.profile]
        women_p[i] = rng.uniform(*p["women"])
        old_p[i] = rng.uniform(*p["old"])
    female = rng.random(n) < women_p[branch_ix]
    old = rng.random(n) < old_p[branch_ix]

    age = np.empty(n, dtype=np.int64)
    join_age = np.empty(n)
    for k, name in enumerate(_PROFILE_NAMES):
        mask = profile == k
        m = int(mask.sum())
        if not m:
            continue
        p = _PROFILES[name]
        lo, hi, a, b = p["ages"]
        young_age = lo + rng.beta(a, b, m) * (hi - lo)
        old_age = np.minimum(61 + rng.gamma(1.6, 6.5, m), 96)
        age[mask] = np.where(old[mask], old_age, young_age).astype(np.int64)
        start, shape, scale = p["join"]
        join_age[mask] = start + rng.gamma(shape, scale, m)
    birth = t0 - np.floor((age + rng.random(n)) * _DAYS_A_YEAR).astype(np.int64) - 1
    eighteen = birth + np.ceil(18 * _DAYS_A_YEAR).astype(np.int64) + 1

    # About 2% probationary, mostly young (83.7% of recruits are 35 or under).
    weight = np.where(age <= 35, 4.0, np.where(age <= 45, 1.5, 0.15)) * (age >= 19)
    probationary = rng.random(n) < np.minimum(1.0, 0.02 * n * weight / max(weight.sum(), 1.0))
    joined = birth + (join_age * _DAYS_A_YEAR).astype(np.int64)
    latest_full = t0 - 400  # a full member finished a year's probation, and a little more
    joined = np.maximum(np.minimum(joined, latest_full - rng.integers(0, 1500, n)), eighteen)
    # Too young to have finished a year of probation: they are on probation now.
    probationary |= joined > latest_full
    probationary[np.concatenate([[0], np.cumsum(sizes)[:-1]])] = False  # every branch has a full member
    joined = np.where(probationary, np.maximum(t0 - rng.integers(15, 360, n), eighteen), joined)
    return female, age, birth, joined, probationary


def _draw_work(rng, profile, age) -> tuple:
    """Education (ranks in Education) and occupation, by profile and age group (<45, 45-60, >60)."""
    n = len(profile)
    edu = np.empty(n, dtype=np.int64)
    occupation = np.empty(n, dtype=object)
    group = np.where(age < 45, 0, np.where(age <= 60, 1, 2))
    for k, name in enumerate(_PROFILE_NAMES):
        p = _PROFILES[name]
        for g, key in enumerate(("young", "mid", "old")):
            mask = (profile == k) & (group == g)
            m = int(mask.sum())
            if not m:
                continue
            weights = np.array(p["edu"][key], dtype=float)
            edu[mask] = rng.choice(len(_EDU_VALUES), size=m, p=weights / weights.sum())
            table = p["retired"] if g == 2 else p["work"]
            occupation[mask] = np.array([v for v, _w in table], dtype=object)[_choice(rng, table, m)]
    return edu, occupation


def _draw_origins(rng, chunk: _Chunk, branch_ix, profile) -> tuple:
    """Surnames (villages keep their clans) and ethnicity (the chunk's share of minorities)."""
    n = len(profile)
    surname = rng.choice(len(SURNAMES), size=n, p=_SURNAME_P)
    # Villages keep their clans: about a third of a village's members share one surname.
    clan = rng.choice(len(SURNAMES), size=len(chunk.branches), p=_SURNAME_P)
    clan_rows = (profile == _PROFILE_NAMES.index("village")) & (rng.random(n) < 0.33)
    surname[clan_rows] = clan[branch_ix[clan_rows]]
    ethnicity = np.full(n, "汉族", dtype=object)
    minority = rng.random(n) < chunk.minority
    ethnicity[minority] = np.array([v for v, _w in _MINORITIES], dtype=object)[
        _choice(rng, _MINORITIES, int(minority.sum()))
    ]
    return surname, ethnicity


def _place_specials(drawn: _Drawn, chunk: _Chunk, today: dt.date) -> None:
    """The demo people take the first rows of their branch."""
    for b, branch in enumerate(chunk.branches):
        for offset, key in enumerate(branch.specials):
            row = int(drawn.starts[b]) + offset
            person = _PEOPLE[key]
            born = _birth_for_age(today, person["age"], person["days"])
            joined = dt.date(born.year + person["joined_age"], 7, 1)
            drawn.female[row] = person["gender"] == "F"
            drawn.age[row] = person["age"]
            drawn.birth[row] = born.toordinal()
            drawn.joined[row] = joined.toordinal()
            drawn.probationary[row] = False
            drawn.edu[row] = _EDU_RANK[person["education"]]
            drawn.occupation[row] = person["occupation"]
            drawn.ethnicity[row] = "汉族"
            drawn.specials[key] = row


def _given_names(rng, drawn: _Drawn, today: dt.date) -> list[str]:
    n = drawn.n
    birth_year = today.year - drawn.age
    era = np.where(birth_year < 1965, 0, np.where(birth_year < 1985, 1, 2))
    first = np.empty(n, dtype=object)
    second = np.full(n, "", dtype=object)
    for (gender, e), (firsts, seconds) in _GIVEN.items():
        mask = (drawn.female == (gender == "F")) & (era == e)
        m = int(mask.sum())
        if not m:
            continue
        a = np.array(list(firsts), dtype=object)[rng.integers(0, len(firsts), m)]
        b = np.array(list(seconds), dtype=object)[rng.integers(0, len(seconds), m)]
        one = rng.random(m) < _ONE_CHAR_P[e]
        first[mask] = np.where(one, b, a)
        second[mask] = np.where(one, "", b)
    return [
        SURNAMES[s] + a + b for s, a, b in zip(drawn.surname.tolist(), first.tolist(), second.tolist(), strict=True)
    ]


def _id_numbers(region: str, birth: np.ndarray, female: np.ndarray) -> list[str]:
    """Resident ID numbers (GB 11643): region, birth date, a sequence whose last digit is odd for men, check.

    The sequence is unique among people of the same region, birth date and gender.
    """
    male = (~female).astype(np.int64)
    key = birth * 2 + male
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    index = np.arange(len(key))
    starts = np.r_[True, sorted_key[1:] != sorted_key[:-1]] if len(key) else np.array([], dtype=bool)
    first_of_group = np.maximum.accumulate(np.where(starts, index, 0)) if len(key) else index
    rank = np.empty_like(index)
    rank[order] = index - first_of_group
    if len(key) and rank.max() >= 500:
        raise ValueError("more than 500 people of one region share a birth date and gender")
    sequence = ((key * 7919 + rank * 37) % 500) * 2 + male
    out = []
    for day, seq in zip(birth.tolist(), sequence.tolist(), strict=True):
        d = dt.date.fromordinal(day)
        body = f"{region}{d.year:04d}{d.month:02d}{d.day:02d}{seq:03d}"
        out.append(body + id_check_digit(body))
    return out


def _phones(rng, n: int, offset: int) -> list[str]:
    """Mobile numbers, distinct within a build: the serial runs through a permutation of 10^8."""
    prefixes = np.array(_PHONE_PREFIXES, dtype=object)[rng.integers(0, len(_PHONE_PREFIXES), n)]
    serial = ((np.arange(offset, offset + n, dtype=np.int64) * 61_803_399 + 27_182_818) % 100_000_000).tolist()
    return [f"{p}{s:08d}" for p, s in zip(prefixes.tolist(), serial, strict=True)]


_MEMBER_FIELDS = (
    "id",
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "education",
    "id_number",
    "phone",
    "occupation",
    "category",
    "joined_on",
    "confirmed_on",
    "organization",
    "status",
    "created_at",
    "updated_at",
)
_POST_FIELDS = ("member", "organization", "title", "started_on", "created_at", "updated_at")


def _member_rows(chunk: _Chunk, drawn: _Drawn, first_id: int, phone_offset: int, stamp) -> list[tuple]:
    """Rows in the order of _MEMBER_FIELDS."""
    ids = _id_numbers(chunk.region, drawn.birth, drawn.female)
    phones = _phones(chunk.rng, drawn.n, phone_offset)
    branch_ids = np.array([b.id for b in chunk.branches], dtype=np.int64)[drawn.branch_ix].tolist()
    fromordinal = dt.date.fromordinal
    full, probationary = MemberCategory.FULL.value, MemberCategory.PROBATIONARY.value
    active = MemberStatus.ACTIVE.value
    rows = []
    for i, (name, fem, born, joined, prob, edu, occ, eth, org) in enumerate(
        zip(
            drawn.names,
            drawn.female.tolist(),
            drawn.birth.tolist(),
            drawn.joined.tolist(),
            drawn.probationary.tolist(),
            drawn.edu.tolist(),
            drawn.occupation.tolist(),
            drawn.ethnicity.tolist(),
            branch_ids,
            strict=True,
        )
    ):
        joined_on = fromordinal(joined)
        rows.append(
            (
                first_id + i,
                name,
                "F" if fem else "M",
                eth,
                fromordinal(born),
                _EDU_VALUES[edu],
                ids[i],
                phones[i],
                occ,
                probationary if prob else full,
                joined_on,
                None if prob else _plus_year(joined_on),
                org,
                active,
                stamp,
                stamp,
            )
        )
    return rows


# ---------------------------------------------------------------------------------------------------------
# Posts: secretaries, committees and group leaders.

_BRANCH_COMMITTEE = (
    PostTitle.SECRETARY,
    PostTitle.ORGANIZATION,
    PostTitle.PROPAGANDA,
    PostTitle.DISCIPLINE,
    PostTitle.DEPUTY_SECRETARY,
)
_GENERAL_BRANCH_COMMITTEE = _BRANCH_COMMITTEE
_COMMITTEE = (
    PostTitle.SECRETARY,
    PostTitle.DEPUTY_SECRETARY,
    PostTitle.DEPUTY_SECRETARY,
    PostTitle.ORGANIZATION,
    PostTitle.PROPAGANDA,
    PostTitle.DISCIPLINE,
    PostTitle.COMMITTEE,
)


def _term_start(rng, today: dt.date, five_year: bool) -> int:
    """When the current committee took office: village and community ones at the general election."""
    t0 = today.toordinal()
    if five_year and rng.random() < 0.75:
        year = 2021 + 5 * ((today.year - 2021) // 5)
        election = dt.date(year, 5, 15)
        if election > today - dt.timedelta(days=60):
            election = dt.date(year - 5, 5, 15)
        return election.toordinal() + int(rng.integers(-45, 45))
    return t0 - int(rng.integers(60, (5 if five_year else 3) * 365))


def _staffing_branches(office: _Node):
    """The office's home branch first, then every other branch below it, in tree order."""
    home = office.home
    while home is None or home.kind != OrgKind.BRANCH:
        home = (home or office).children[0]
    yield home
    stack = list(reversed(office.children))
    while stack:
        node = stack.pop()
        if node.kind == OrgKind.BRANCH:
            if node is not home:
                yield node
        elif node.kind != OrgKind.GROUP:
            stack.extend(reversed(node.children))


def _posts(chunk: _Chunk, drawn: _Drawn, first_member_id: int, today: dt.date, stamp) -> list[tuple]:
    """Rows in the order of _POST_FIELDS."""
    rng = chunk.rng
    t0 = today.toordinal()
    n = drawn.n
    full = ~drawn.probationary
    confirmed = drawn.joined + 366
    rural = np.array([b.profile in _FIVE_YEAR_TERM for b in chunk.branches])[drawn.branch_ix]
    retiree = np.array([b.profile == "retiree" for b in chunk.branches])[drawn.branch_ix]
    eligible = full & (drawn.joined <= t0 - 3 * 365) & (drawn.age >= 25) & ((drawn.age <= 63) | retiree)
    score = (
        rng.normal(0.0, 0.6, n)
        - np.abs(drawn.age - np.where(retiree, 66, 47)) / 12.0
        + drawn.edu * 0.15
        + np.where(rural & ~drawn.female, 1.0, 0.0)
        - np.where(eligible, 0.0, 100.0)
        - np.where(full, 0.0, 1000.0)
    )
    taken = np.zeros(n, dtype=bool)
    for key, row in drawn.specials.items():
        score[row] = 10_000.0 if key == "secretary" else -1e9
        taken[row] = key != "secretary"

    posts: list[tuple] = []

    def add(row: int, org: _Node, title: str, start: int) -> None:
        start = min(max(start, int(confirmed[row]) + 30), t0)
        posts.append((first_member_id + row, org.id, str(title), dt.date.fromordinal(start), stamp, stamp))
        taken[row] = True

    def best(lo: int, hi: int, k: int, floor: float = -1e8) -> list[int]:
        order = lo + np.argsort(-score[lo:hi], kind="stable")
        return [int(r) for r in order if not taken[r] and score[r] > floor][:k]

    position = {b.id: i for i, b in enumerate(chunk.branches)}
    for b, branch in enumerate(chunk.branches):
        lo, hi = int(drawn.starts[b]), int(drawn.starts[b]) + int(drawn.sizes[b])
        n_full = int(full[lo:hi].sum())
        seats = 1 if n_full < 7 else (3 if n_full < 15 else (4 if n_full < 30 else int(rng.integers(4, 6))))
        start = _term_start(rng, today, branch.profile in _FIVE_YEAR_TERM)
        chosen = best(lo, hi, seats)
        if not chosen:  # every member excluded: the first member serves
            chosen = [lo]
        for row, title in zip(chosen, _BRANCH_COMMITTEE, strict=False):
            add(row, branch, title, start)
        if branch.groups:
            free = [r for r in range(lo, hi) if not taken[r] and full[r] and score[r] > -1e8]
            picks = rng.permutation(len(free))[: branch.groups]
            groups = [c for c in branch.children if c.kind == OrgKind.GROUP]
            for group, p in zip(groups, picks.tolist(), strict=False):
                add(free[p], group, PostTitle.GROUP_LEADER, start)

    # Committees and general branches are staffed from their home branch (the organs' own branch), and
    # from their other branches when that one runs short; only full members can be elected.
    for office in chunk.offices:
        titles = _COMMITTEE if office.kind == OrgKind.COMMITTEE else _GENERAL_BRANCH_COMMITTEE
        start = _term_start(rng, today, office.unit_type in (UnitType.VILLAGE, UnitType.COMMUNITY))
        person = chunk.forced_secretaries.get(office.id)
        chosen = [drawn.specials[person]] if person in drawn.specials else []
        for branch in _staffing_branches(office):
            if len(chosen) >= len(titles):
                break
            b = position[branch.id]
            lo, hi = int(drawn.starts[b]), int(drawn.starts[b]) + int(drawn.sizes[b])
            chosen += best(lo, hi, len(titles) - len(chosen), floor=-500.0)
        for row, title in zip(chosen, titles, strict=False):
            add(row, office, title, start)
    return posts


# ---------------------------------------------------------------------------------------------------------
# Writing: chunk by chunk, members then their posts.


def write_members(plan: _Plan, today: dt.date, say) -> dict:
    """Every chunk's members and posts; returns the counts and the member ids of the demo people."""
    member_id = next_pk(Member)
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    members = probationary = women = posts = 0
    special_members: dict[str, int] = {}
    report_every = max(1, len(plan.chunks) // 20)
    for c, chunk in enumerate(plan.chunks):
        if not chunk.branches:
            continue
        drawn = _draw_members(chunk, today)
        insert_rows(Member, _MEMBER_FIELDS, _member_rows(chunk, drawn, member_id, members, stamp))
        post_rows = _posts(chunk, drawn, member_id, today, stamp)
        insert_rows(Post, _POST_FIELDS, post_rows)
        for key, row in drawn.specials.items():
            special_members[key] = member_id + row
        member_id += drawn.n
        members += drawn.n
        probationary += int(drawn.probationary.sum())
        women += int(drawn.female.sum())
        posts += len(post_rows)
        if (c + 1) % report_every == 0 or c + 1 == len(plan.chunks):
            say(_("Wrote %(n)s members and %(p)s posts") % {"n": f"{members:,}", "p": f"{posts:,}"})
    return {
        "members": members,
        "probationary": probationary,
        "women": women,
        "posts": posts,
        "special_members": special_members,
    }
