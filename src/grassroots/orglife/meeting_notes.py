"""Notes other apps put on a meeting's page (a photo of it used before elsewhere), without the orglife app knowing
them: a provider registered here gets the user and the meetings (`records`), and answers notes by meeting."""

from grassroots.core.notes import NoteBoard

MEETING_NOTES = NoteBoard("notes")
register_meeting_notes = MEETING_NOTES.register
attach_meeting_notes = MEETING_NOTES.attach
