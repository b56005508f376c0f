"""Names in pinyin order, the same on SQLite (pypinyin) and PostgreSQL (ICU's zh-x-icu)."""

import pytest

from grassroots.core.collation import by_reading, pinyin_key
from grassroots.organizations.models import Member

MIXED = ["（筹）党支部", "1号楼党支部", "阿里村", "白沙村", "重庆路", "ABC科技公司党支部", "abd村", "Zeta村"]


def test_the_key_orders_scripts_as_icu_does():
    assert sorted(reversed(MIXED), key=pinyin_key) == MIXED


@pytest.mark.django_db
def test_the_database_orders_names_so_whichever_it_is(county):
    from tests.factories import MemberFactory

    for name in reversed(MIXED):
        MemberFactory(organization=county.v21, name=name)
    names = Member.objects.filter(name__in=MIXED).order_by(by_reading("name", chinese=True))
    assert [m.name for m in names] == MIXED
