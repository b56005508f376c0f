"""Form widgets every app's pages use."""

from django import forms
from django.utils.html import format_html, format_html_join


class DateInput(forms.DateInput):
    """A date picker: `<input type="date">`, its value written as the browser reads it (2026-12-31, whatever the
    page's language), so that a form shown again keeps its dates."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PickInput(forms.TextInput):
    """A searchable picker that works without JavaScript: a text box where one types a name (or part of it) or a
    code; the server finds it, and when several match, the page comes back with them as choices under the box.
    With JavaScript (`picker.js`), suggestions from `pick_url` appear as one types. `candidates` (value, label)
    are set by the field when the typed text matched several."""

    def __init__(self, attrs=None, pick_url=""):
        attrs = {"autocomplete": "off", "spellcheck": "false", **(attrs or {})}
        if pick_url:
            attrs["data-pick-url"] = pick_url
        super().__init__(attrs=attrs)
        self.candidates: list[tuple[str, str]] = []

    def value_from_datadict(self, data, files, name):
        return data.get(f"{name}__pick") or super().value_from_datadict(data, files, name)

    def render(self, name, value, attrs=None, renderer=None):
        box = super().render(name, value, attrs, renderer)
        if not self.candidates:
            return box
        choices = format_html_join(
            "",
            '<label class="pick-choice"><input type="radio" name="{}__pick" value="{}"> {}</label>',
            ((name, value, label) for value, label in self.candidates),
        )
        return format_html('{}<div class="pick-choices" role="group">{}</div>', box, choices)
