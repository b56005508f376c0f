"""Notes other apps put beside a report in the review queue (a photo used before, a text copied), without the duties
app knowing them: a provider registered here gets the user and the reports of a page, and answers notes by report."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ReviewNote:
    """A note shown with a report under review: the template that draws it and what it reads."""

    template: str
    context: dict = field(default_factory=dict)


Provider = Callable[..., dict[int, list[ReviewNote]]]  # provider(user=..., reports=[...]) -> {report id: [notes]}
_PROVIDERS: dict[str, Provider] = {}


def register_review_notes(name: str, provider: Provider) -> None:
    _PROVIDERS[name] = provider


def attach_review_notes(user, reports: Iterable) -> None:
    """Give each report a `review_notes` list, from every provider registered."""
    reports = list(reports)
    notes: dict[int, list[ReviewNote]] = {}
    for provider in _PROVIDERS.values():
        for report_id, found in provider(user=user, reports=reports).items():
            notes.setdefault(report_id, []).extend(found)
    for report in reports:
        report.review_notes = notes.get(report.pk, [])
