"""What each organization's public site shows: the nearest rule set at or above it, else the default, and within
a rule that leaves it open, the organization's own choice."""

from dataclasses import dataclass

from grassroots.organizations.models import Organization, ancestor_paths

from .models import DEFAULT_LEVELS, PER_ITEM, DisclosureRule, Item, Level, Publication


@dataclass(frozen=True)
class Standing:
    """One kind of item for one organization: the rule in force (and where it was set), and what is public."""

    item: str
    level: str
    set_at: Organization | None  # None: the default
    published: bool  # for a kind published as a whole: the organization chose it (within a rule that may)
    is_public: bool  # a whole kind: public; a per-item kind: items may be public (each its own choice, or all)

    @property
    def label(self) -> str:
        return Item(self.item).label

    @property
    def level_label(self) -> str:
        return Level(self.level).label

    @property
    def per_item(self) -> bool:
        return self.item in PER_ITEM

    @property
    def all_items(self) -> bool:
        """A per-item kind the rules make public: every item is public."""
        return self.level == Level.MUST


def rules_above(organization: Organization) -> dict[str, DisclosureRule]:
    """The nearest rule per item set at or above the organization (one query)."""
    rules = DisclosureRule.objects.filter(organization__path__in=ancestor_paths(organization.path)).select_related(
        "organization"
    )
    nearest: dict[str, DisclosureRule] = {}
    for rule in sorted(rules, key=lambda r: len(r.organization.path)):
        nearest[rule.item] = rule
    return nearest


def standings(organization: Organization) -> dict[str, Standing]:
    """Per kind of item, what the organization's public site shows (two queries)."""
    rules = rules_above(organization)
    chosen = set(Publication.objects.filter(organization=organization).values_list("item", flat=True))
    out = {}
    for item in Item.values:
        rule = rules.get(item)
        level = rule.level if rule else DEFAULT_LEVELS[item]
        published = item in chosen
        if level == Level.NEVER:
            public = False
        elif item in PER_ITEM or level == Level.MUST:
            public = True
        else:
            public = published
        out[item] = Standing(item, level, rule.organization if rule else None, published, public)
    return out


def rule_above(organization: Organization, item: str) -> DisclosureRule | None:
    """The rule set nearest strictly above the organization for the item (None: only the default)."""
    parent_paths = ancestor_paths(organization.path)[:-1]
    return (
        DisclosureRule.objects.filter(organization__path__in=parent_paths, item=item)
        .select_related("organization")
        .order_by("-organization__path")
        .first()
    )
