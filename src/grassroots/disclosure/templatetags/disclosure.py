"""Template filters of the disclosure pages."""

from django import template

register = template.Library()


@register.filter
def get(mapping, key):
    """mapping[key], or None (a dict read by a key held in a variable)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
