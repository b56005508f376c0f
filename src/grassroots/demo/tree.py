"""The demo tree planned in memory: organizations in insertion order with their materialized paths.

The paths follow treebeard's layout (steplen 4, base-36 steps, numchild and depth stored), so the tree can be
written in bulk; a seeded generator draws the sizes and names, so a seed always gives the same tree.
"""

import datetime as dt
import math

import numpy as np

from grassroots.organizations.models import Organization, OrgKind, UnitType

from .vocabulary import (
    _BRANDS,
    _COMMUNITIES,
    _HOSPITAL_DEPARTMENTS,
    _HOSPITALS,
    _INDUSTRIES,
    _LEVELS,
    _ORGANS,
    _P1,
    _P2,
    _SCHOOLS,
    _SOCIAL,
    _STATE_ENTERPRISES,
    _STREETS,
    _UNIVERSITIES,
    _UNLUCKY,
    GOV,
    HOSP,
    PO,
    SOC,
    _cn,
    _pinyin_join,
)

# ---------------------------------------------------------------------------------------------------------
# The plan: organizations in memory, in insertion order (a parent always before its children).

_ALPHABET = Organization.alphabet
_STEPLEN = Organization.steplen


def _step(position: int) -> str:
    key = ""
    while position:
        position, digit = divmod(position, len(_ALPHABET))
        key = _ALPHABET[digit] + key
    return key.rjust(_STEPLEN, _ALPHABET[0])


class _Node:
    __slots__ = (
        "id",
        "parent",
        "children",
        "path",
        "code",
        "name",
        "name_en",
        "kind",
        "unit_type",
        "founded_on",
        "size",
        "profile",
        "chunk",
        "home",
        "specials",
        "width",
        "next_seq",
        "groups",
    )


class _Chunk:
    """The part of the tree whose members are drawn together: a county, or the units of a city or province."""

    def __init__(self, region: str, minority: float, rng: np.random.Generator):
        self.region = region
        self.minority = minority
        self.rng = rng
        self.branches: list[_Node] = []  # nodes members belong to, in order
        self.offices: list[_Node] = []  # committees and general branches, which have posts too
        self.members = 0
        self.forced_secretaries: dict[int, str] = {}  # office id -> demo person who is its secretary


class _Plan:
    def __init__(self, *, seed: int, scale: str, first_id: int, size_factor: float):
        self.seed = seed
        self.scale = scale
        self.rng = np.random.default_rng([seed, 0])
        self.nodes: list[_Node] = []
        self.chunks: list[_Chunk] = []
        self.next_id = first_id
        self.size_factor = size_factor
        self.roots = 0
        self.special_nodes: dict[str, _Node] = {}

    # -- nodes ------------------------------------------------------------------------------------------

    def add(self, parent, *, name, name_en, kind, unit_type, chunk, code=None, seq=None, width=None, founded=None):
        node = _Node()
        node.id = self.next_id
        self.next_id += 1
        node.parent = parent
        node.children = []
        node.name, node.name_en, node.kind, node.unit_type = name, name_en, kind, unit_type
        node.size, node.profile, node.home, node.specials, node.groups = 0, None, None, [], 0
        node.chunk = chunk
        node.next_seq = 1
        node.width = 3
        if parent is None:
            self.roots += 1
            node.path = _step(self.roots)
        else:
            parent.children.append(node)
            node.path = parent.path + _step(len(parent.children))
        if code is None:
            if seq is None:
                seq = parent.next_seq
            parent.next_seq = max(parent.next_seq, seq + 1)
            code = f"{parent.code}-{seq:0{width or parent.width}d}"
        node.code = code
        node.founded_on = founded or self._founded(unit_type)
        self.nodes.append(node)
        if kind != OrgKind.GROUP:
            if kind == OrgKind.BRANCH:
                chunk.branches.append(node)
            else:
                chunk.offices.append(node)
        return node

    def _founded(self, unit_type) -> dt.date:
        lo, hi = {
            UnitType.VILLAGE: (1950, 1965),
            UnitType.TOWNSHIP: (1950, 1996),
            UnitType.SUBDISTRICT: (1950, 1996),
            UnitType.COMMUNITY: (2000, 2016),
            UnitType.ENTERPRISE: (2003, 2022),
            UnitType.STATE_ENTERPRISE: (1995, 2018),
            UnitType.SOCIAL: (2008, 2022),
        }.get(unit_type, (1978, 2019))
        year = int(self.rng.integers(lo, hi + 1))
        return dt.date(year, int(self.rng.integers(1, 13)), int(self.rng.integers(1, 29)))

    def branch(self, parent, name, name_en, unit_type, profile, size, chunk, *, groups_p, seq=None, width=None):
        node = self.add(
            parent,
            name=name + "党支部",
            name_en=name_en + " Branch",
            kind=OrgKind.BRANCH,
            unit_type=unit_type,
            chunk=chunk,
            seq=seq,
            width=width,
        )
        node.size = max(5, int(size))
        node.profile = profile
        chunk.members += node.size
        # Party groups where members are many (or scattered over hamlets).
        if node.size >= 32 and self.rng.random() < groups_p:
            node.groups = min(3, max(2, node.size // 15))
            for k in range(1, node.groups + 1):
                self.add(
                    node,
                    name=f"{node.name}第{_cn(k)}党小组",
                    name_en=f"{node.name_en}, Group {k}",
                    kind=OrgKind.GROUP,
                    unit_type=unit_type,
                    chunk=chunk,
                    code=f"{node.code}-G{k}",
                    founded=node.founded_on,
                )
        return node

    def _partition(self, total: int, parts: int) -> list[int]:
        """`total` members in `parts` branches of similar size, none above 50 when the average allows it."""
        shares = self.rng.dirichlet([40.0] * parts)
        sizes = [6 + int(x) for x in self.rng.multinomial(total - 6 * parts, shares)]
        while max(sizes) > 50 and min(sizes) < 45:
            sizes[sizes.index(max(sizes))] -= 1
            sizes[sizes.index(min(sizes))] += 1
        return sizes

    def unit(
        self,
        parent,
        name,
        name_en,
        unit_type,
        profile,
        size,
        chunk,
        *,
        jiguan=False,
        style="plain",
        groups_p=0.06,
        seq=None,
        width=None,
        village=False,
    ):
        """A unit of `size` members: a branch up to 50, a general branch up to 100, a committee above."""
        size = max(5, int(size))
        organ = "机关" if jiguan else ""
        if size <= 50:
            return self.branch(
                parent, name + organ, name_en, unit_type, profile, size, chunk, groups_p=groups_p, seq=seq, width=width
            )
        if village or size < 100:
            parts = int(np.clip(round(size / (32 if village else 42)), 2, 4))
            node = self.add(
                parent,
                name=f"{name}{organ}党总支",
                name_en=f"{name_en} General Branch",
                kind=OrgKind.GENERAL_BRANCH,
                unit_type=unit_type,
                chunk=chunk,
                seq=seq,
                width=width,
            )
        else:
            parts = math.ceil(size / 46)
            node = self.add(
                parent,
                name=f"{name}党委",
                name_en=f"{name_en} Committee",
                kind=OrgKind.COMMITTEE,
                unit_type=unit_type,
                chunk=chunk,
                seq=seq,
                width=width,
            )
        node.width = 2
        for i, part in enumerate(self._partition(size, parts), start=1):
            if style == "hospital" and i <= len(_HOSPITAL_DEPARTMENTS):
                zh, en = _HOSPITAL_DEPARTMENTS[i - 1]
                sub, sub_en = f"{name}{zh}", f"{name_en} {en}"
            elif style == "community":
                sub, sub_en = f"{name}第{_cn(i)}网格", f"{name_en} Grid {i}"
            else:
                sub, sub_en = f"{name}{organ}第{_cn(i)}", f"{name_en} No. {i}"
            self.branch(node, sub, sub_en, unit_type, profile, part, chunk, groups_p=groups_p)
        return node

    def lognormal(self, median, sigma, lo, hi) -> int:
        return int(np.clip(round(median * math.exp(sigma * self.rng.standard_normal())), lo, hi))

    def sized(self, n: float) -> int:
        return max(5, round(n * self.size_factor))

    # -- names ------------------------------------------------------------------------------------------

    def place(self, used: set) -> tuple[str, str]:
        while True:
            a, a_py = _P1[int(self.rng.integers(len(_P1)))]
            b, b_py = _P2[int(self.rng.integers(len(_P2)))]
            if a != b and a + b not in used and a + b not in _UNLUCKY:
                used.add(a + b)
                return a + b, _pinyin_join(a_py, b_py)

    def new_chunk(self, region: str, minority: float | None = None) -> _Chunk:
        if minority is None:
            r = self.rng.random()
            minority = self.rng.uniform(0.12, 0.55) if r < 0.25 else self.rng.uniform(0.01, 0.06)
        chunk = _Chunk(region, float(minority), np.random.default_rng([self.seed, 1, len(self.chunks)]))
        self.chunks.append(chunk)
        return chunk


def _fill(template: str, level: str) -> str:
    zh, en = _LEVELS[level]
    return template.replace("{L}", zh).replace("{E}", en)


# Provincial government departments are 厅, not 局; these keep their name at every level.
_KEEP_BUREAU = ("税务局", "老干部局", "气象局", "烟草专卖局", "统计局", "医疗保障局", "信访局", "执法局")


def _fill_unit(zh: str, en: str, level: str) -> tuple[str, str]:
    zh, en = _fill(zh, level), _fill(en, level)
    if level == "province" and zh.endswith("局") and not zh.endswith(_KEEP_BUREAU):
        zh = zh.removesuffix("分局").removesuffix("局") + "厅"
        en = en.replace("Sub-bureau", "Department").replace("Bureau", "Department")
    return zh, en


def _plan_systems(plan: _Plan, top: _Node, chunk: _Chunk, level: str, factor: float) -> _Node:
    """Organs, education, health, state and private enterprises, social organizations of a county/city/province.

    Returns the branch whose members staff the top committee (the party committee office).
    """
    L, E = _LEVELS[level]

    def units(parent, table, weight=1.0):
        out = []
        for zh, en, unit_type, size, profile, jiguan in table:
            name, name_en = _fill_unit(zh, en, level)
            style = "hospital" if unit_type == HOSP else "plain"
            members = plan.sized(size * weight * factor * math.exp(0.2 * plan.rng.standard_normal()))
            out.append(plan.unit(parent, name, name_en, unit_type, profile, members, chunk, jiguan=jiguan, style=style))
        return out

    def enterprises(parent, brands: set, count: int, median: float) -> None:
        place, place_en = top.name[:-2], top.name_en.split()[0]
        for _i in range(count):
            brand, brand_en = _BRANDS[int(plan.rng.integers(len(_BRANDS)))]
            industry, industry_en = _INDUSTRIES[int(plan.rng.integers(len(_INDUSTRIES)))]
            if (brand, industry) in brands:
                continue
            brands.add((brand, industry))
            plan.unit(
                parent,
                f"{place}{brand}{industry}有限公司",
                f"{place_en} {brand_en.capitalize()} {industry_en} Co., Ltd.",
                UnitType.ENTERPRISE,
                "enterprise",
                plan.lognormal(median * factor, 0.6, 5, 240),
                chunk,
            )

    def committee(name, name_en, unit_type, seq):
        return plan.add(
            top, name=name, name_en=name_en, kind=OrgKind.COMMITTEE, unit_type=unit_type, chunk=chunk, seq=seq
        )

    organs = committee(f"{L}直机关工委", f"{E} Organs Work Committee", PO, 31)
    office = units(organs, _ORGANS[:1])[0]
    if plan.scale == "tiny":
        units(organs, [row for row in _ORGANS if row[0] in ("{L}委组织部", "{L}纪委监委机关")])
    else:
        # Sizes in the tables are of the organs themselves; their institutions (站、所、中心) add about half.
        units(organs, _ORGANS[1:-1], 1.7)
        units(organs, _ORGANS[-1:])  # the retired cadres
        edu_name = f"{L}教育局党委" if level != "province" else f"{L}委教育工委"
        edu = committee(edu_name, f"{E} Education Committee", GOV, 32)
        units(edu, _UNIVERSITIES if level == "province" else _SCHOOLS, 1.4)
        health = committee(f"{L}卫生健康{'委' if level == 'province' else '局'}党委", f"{E} Health Committee", GOV, 33)
        units(health, _HOSPITALS, 1.2)
        state = committee(f"{L}国资委党委", f"{E} State-owned Assets Committee", GOV, 34)
        units(state, _STATE_ENTERPRISES)
        private = committee(
            f"{L}非公有制经济组织综合党委", f"{E} Non-public Enterprises Committee", UnitType.ENTERPRISE, 35
        )
        brands: set = set()
        enterprises(private, brands, int(plan.rng.integers(36, 50)), 16)
        social = committee(f"{L}社会组织综合党委", f"{E} Social Organizations Committee", SOC, 36)
        units(social, _SOCIAL)
        if level != "province":  # development zones belong to counties and cities
            zone = committee(f"{L}经济开发区党工委", f"{E} Economic Development Zone Committee", GOV, 37)
            units(
                zone, [("{L}经济开发区管委会", "{E} Economic Development Zone Administration", GOV, 40, "organ", True)]
            )
            enterprises(zone, brands, int(plan.rng.integers(30, 50)), 26)
    return office if office.kind == OrgKind.BRANCH else office.children[0]


def _plan_county(plan: _Plan, parent, code: str, place: str, place_en: str, *, demo: bool, chunk: _Chunk) -> _Node:
    tiny = plan.scale == "tiny"
    county = plan.add(
        parent,
        name=f"{place}县委",
        name_en=f"{place_en} County Committee",
        kind=OrgKind.COMMITTEE,
        unit_type=UnitType.PARTY_ORGAN,
        chunk=chunk,
        code=code,
    )
    county.width = 2
    used_places = {place}
    used_communities: set[str] = set()
    townships = 2 if tiny else int(plan.rng.integers(13, 16))
    for t in range(1, townships + 1):
        _plan_township(plan, county, t, demo and t == 1, used_places, used_communities, chunk)
    if not tiny:
        _plan_subdistricts(plan, county, used_communities, chunk)
    county.home = _plan_systems(plan, county, chunk, "county", 1.0)
    if demo:
        plan.special_nodes["county"] = county
        organs = next(c for c in county.children if c.code.endswith("-31"))
        for child in organs.children:
            target = child if child.kind == OrgKind.BRANCH else child.children[0]
            if child.name.startswith("县委组织部"):
                target.specials.append("county")
            elif child.name.startswith("县纪委监委"):
                target.specials.append("auditor")
    return county


def _community_name(plan: _Plan, used_communities: set, first: bool) -> tuple[str, str]:
    if first:
        used_communities.add("柳湾")
        return "柳湾", "Liuwan"
    free = [c for c in _COMMUNITIES if c[0] not in used_communities]
    if not free:
        return plan.place(used_communities)
    zh, en = free[int(plan.rng.integers(len(free)))]
    used_communities.add(zh)
    return zh, en.capitalize()


def _plan_township(
    plan: _Plan, county: _Node, t: int, first: bool, used_places: set, used_communities: set, chunk: _Chunk
) -> None:
    """A township (the demo's 新街镇 when `first`): its organs, villages, communities, school and health centre."""
    tiny = plan.scale == "tiny"
    if first:
        town, town_en = "新街", "Xinjie"
        used_places.add(town)
    else:
        town, town_en = plan.place(used_places)
    is_town = first or plan.rng.random() < 0.7
    suffix, suffix_en = ("镇", "Town") if is_town else ("乡", "Township")
    township = plan.add(
        county,
        name=f"{town}{suffix}党委",
        name_en=f"{town_en} {suffix_en} Committee",
        kind=OrgKind.COMMITTEE,
        unit_type=UnitType.TOWNSHIP,
        chunk=chunk,
        seq=t,
    )
    organ = plan.unit(
        township,
        f"{town}{suffix}机关",
        f"{town_en} {suffix_en} Organs",
        UnitType.TOWNSHIP,
        "township_organ",
        plan.sized(plan.lognormal(44, 0.2, 25, 90)),
        chunk,
    )
    township.home = organ if organ.kind == OrgKind.BRANCH else organ.children[0]
    if first:
        township.home.specials.append("township")
        chunk.forced_secretaries[township.id] = "township"
        plan.special_nodes["township"] = township
    _plan_villages(plan, township, first, chunk)
    communities = (1 if first else 0) if tiny else int(plan.rng.integers(2, 6))
    for c in range(communities):
        zh, en = _community_name(plan, used_communities, first and c == 0)
        plan.unit(
            township,
            f"{zh}社区",
            f"{en} Community",
            UnitType.COMMUNITY,
            "community",
            plan.sized(plan.lognormal(56, 0.35, 12, 160)),
            chunk,
            style="community",
        )
    if not tiny:
        plan.unit(
            township,
            f"{town}{suffix}中心学校",
            f"{town_en} Central School",
            UnitType.SCHOOL,
            "school",
            plan.lognormal(46, 0.3, 15, 90),
            chunk,
        )
        plan.unit(
            township,
            f"{town}{suffix}卫生院",
            f"{town_en} Health Centre",
            UnitType.HOSPITAL,
            "hospital",
            plan.lognormal(18, 0.3, 6, 40),
            chunk,
        )


def _plan_villages(plan: _Plan, township: _Node, first: bool, chunk: _Chunk) -> None:
    """The township's villages; the demo's first one is 青山村 with the secretary and the member."""
    tiny = plan.scale == "tiny"
    villages = 3 if tiny else int(plan.rng.integers(14, 21))
    used_villages: set[str] = set()
    for v in range(1, villages + 1):
        if first and v == 1:
            village, village_en, size = "青山", "Qingshan", 38
            used_villages.add(village)
        else:
            village, village_en = plan.place(used_villages)
            size = plan.lognormal(42, 0.45, 12, 170)
            if tiny:
                size = 64 if first and v == 2 else max(12, round(size * 0.35))
        node = plan.unit(
            township,
            f"{village}村",
            f"{village_en} Village",
            UnitType.VILLAGE,
            "village",
            size,
            chunk,
            groups_p=1.0 if first and v == 1 else 0.3,
            village=True,
        )
        if first and v == 1:
            node.specials.extend(["secretary", "member"])
            plan.special_nodes["village"] = node


def _plan_subdistricts(plan: _Plan, county: _Node, used_communities: set, chunk: _Chunk) -> None:
    """The county seat's subdistricts, each with its organs and communities."""
    streets = int(plan.rng.integers(4, 6))
    for s in range(streets):
        zh, en = _STREETS[s]
        street = plan.add(
            county,
            name=f"{zh}街道党工委",
            name_en=f"{en.capitalize()} Subdistrict Committee",
            kind=OrgKind.COMMITTEE,
            unit_type=UnitType.SUBDISTRICT,
            chunk=chunk,
            seq=21 + s,
        )
        organ = plan.unit(
            street,
            f"{zh}街道机关",
            f"{en.capitalize()} Subdistrict Organs",
            UnitType.SUBDISTRICT,
            "township_organ",
            plan.lognormal(42, 0.2, 25, 80),
            chunk,
        )
        street.home = organ if organ.kind == OrgKind.BRANCH else organ.children[0]
        for _c in range(int(plan.rng.integers(6, 11))):
            name, name_en = _community_name(plan, used_communities, False)
            plan.unit(
                street,
                f"{name}社区",
                f"{name_en} Community",
                UnitType.COMMUNITY,
                "community",
                plan.lognormal(250, 0.45, 30, 600),
                chunk,
                style="community",
            )


_TOP_PLACES = {"city": ("潭州", "Tanzhou"), "province": ("江南", "Jiangnan")}


def _plan_city(plan: _Plan, parent, code: str, place: str, place_en: str, *, demo: bool, used: set) -> _Node:
    systems = plan.new_chunk(code + "02")
    city = plan.add(
        parent,
        name=f"{place}市委",
        name_en=f"{place_en} City Committee",
        kind=OrgKind.COMMITTEE,
        unit_type=UnitType.PARTY_ORGAN,
        chunk=systems,
        code=code,
    )
    city.width = 2
    counties = 10 if demo else int(plan.rng.integers(8, 13))
    numbers = [24, 21, 22, 23] + list(range(25, 40)) if demo else list(range(21, 40))
    for i in range(counties):
        if demo and i == 0:
            name, name_en = "青山", "Qingshan"
        else:
            name, name_en = plan.place(used)
        county_code = f"{code}{numbers[i]:02d}"
        chunk = plan.new_chunk(county_code, 0.04 if demo and i == 0 else None)
        _plan_county(plan, city, county_code, name, name_en, demo=demo and i == 0, chunk=chunk)
    city.home = _plan_systems(plan, city, systems, "city", 1.3)
    return city


def _plan(*, scale: str, seed: int, first_id: int) -> _Plan:
    plan = _Plan(seed=seed, scale=scale, first_id=first_id, size_factor=0.35 if scale == "tiny" else 1.0)
    used = {"青山", "潭州", "江南"}
    if scale in ("tiny", "county"):
        chunk = plan.new_chunk("430124", 0.04)
        _plan_county(plan, None, "430124", "青山", "Qingshan", demo=True, chunk=chunk)
    elif scale == "city":
        _plan_city(plan, None, "4301", *_TOP_PLACES["city"], demo=True, used=used)
    else:
        systems = plan.new_chunk("430103")
        province = plan.add(
            None,
            name="江南省委",
            name_en="Jiangnan Provincial Committee",
            kind=OrgKind.COMMITTEE,
            unit_type=UnitType.PARTY_ORGAN,
            chunk=systems,
            code="43",
        )
        province.width = 2
        for i in range(10):
            name, name_en = _TOP_PLACES["city"] if i == 0 else plan.place(used)
            _plan_city(plan, province, f"43{i + 1:02d}", name, name_en, demo=i == 0, used=used)
        province.home = _plan_systems(plan, province, systems, "province", 1.8)
    return plan
