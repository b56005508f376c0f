"""Notes other apps put beside the records of a page (a photo used before, a text copied) without the page's app
knowing them: the app keeps a `NoteBoard`, a provider registered on it gets the user and the records of a page and
answers notes by record id, and the page gives each record its `notes`."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Note:
    """A note shown with a record: the template that draws it and what it reads."""

    template: str
    context: dict = field(default_factory=dict)


Provider = Callable[..., dict[int, list[Note]]]  # provider(user=..., records=[...]) -> {record id: [notes]}


class NoteBoard:
    """The providers of one kind of page (the review queue's reports, a meeting's page)."""

    def __init__(self, attribute: str):
        self.attribute = attribute  # the name each record's list of notes is given
        self._providers: dict[str, Provider] = {}

    def register(self, name: str, provider: Provider) -> None:
        self._providers[name] = provider

    def attach(self, user, records: Iterable) -> list:
        """Give each record its list of notes, from every provider registered; returns the records."""
        records = list(records)
        notes: dict[int, list[Note]] = {}
        for provider in self._providers.values():
            for record_id, found in provider(user=user, records=records).items():
                notes.setdefault(record_id, []).extend(found)
        for record in records:
            setattr(record, self.attribute, notes.get(record.pk, []))
        return records
