"""Notes other apps put beside a report in the review queue (a photo used before, a text copied), without the duties
app knowing them: a provider registered here gets the user and the reports of a page (`records`), and answers notes
by report."""

from grassroots.core.notes import Note, NoteBoard

ReviewNote = Note
REVIEW_NOTES = NoteBoard("review_notes")
register_review_notes = REVIEW_NOTES.register


def attach_review_notes(user, reports) -> None:
    """Give each report a `review_notes` list, from every provider registered."""
    REVIEW_NOTES.attach(user, reports)
