"""Form widgets every app's pages use."""

from django import forms


class DateInput(forms.DateInput):
    """A date picker: `<input type="date">`, its value written as the browser reads it (2026-12-31, whatever the
    page's language), so that a form shown again keeps its dates."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
