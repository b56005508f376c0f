"""Django's own messages that users of Grassroots meet, restated word for word so that they enter this project's
catalogue, which Django reads before its own: their Chinese there is punctuated as Chinese is written (Django's
reads "确认总共不超过 7 个数字." and "… 字符 (目前字符数 400)。").

Nothing calls these; the strings must stay exactly as Django writes them (django/core/validators.py,
django/forms/fields.py, django/forms/formsets.py), or the restatement is simply not used.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

RESTATED = [
    gettext_noop("Ensure this value is %(limit_value)s (it is %(show_value)s)."),
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s digit in total.",
        "Ensure that there are no more than %(max)s digits in total.",
        "max",
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s decimal place.",
        "Ensure that there are no more than %(max)s decimal places.",
        "max",
    ),
    ngettext_lazy(
        "Ensure this filename has at most %(max)d character (it has %(length)d).",
        "Ensure this filename has at most %(max)d characters (it has %(length)d).",
        "max",
    ),
    gettext_noop("Please correct the duplicate values below."),
]
