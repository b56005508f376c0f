"""Helpers for thin views: run a service and report its refusal in the form, in the user's language."""

from contextlib import contextmanager

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from . import refusals
from .errors import Conflict, PermissionDenied


class ServiceRefused(Exception):
    """The service said no; the form already carries the reasons."""


def add_validation_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if form is not None and field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


@contextmanager
def service_errors(request, form=None):
    """Turn a service's ValidationError/Conflict/PermissionDenied into messages the page shows; a refusal of the
    policy is noted for the audit trail (core.refusals)."""
    try:
        yield
    except ValidationError as exc:
        if form is not None:
            add_validation_errors(form, exc)
        else:
            for message in exc.messages:
                messages.error(request, message)
        raise ServiceRefused() from exc
    except (Conflict, PermissionDenied) as exc:
        refusals.note(exc)
        if form is not None:
            form.add_error(None, str(exc.message))
        else:
            messages.error(request, str(exc.message))
        raise ServiceRefused() from exc


REFUSED = object()  # what run_service returns when the service said no


def run_service(request, service, /, *, form=None, **kwargs):
    """Call `service(**kwargs)`; when it refuses, its reasons go on the form (else the page's messages) and
    REFUSED comes back instead of the service's result, so a view reads `if result is not REFUSED:`."""
    try:
        with service_errors(request, form):
            return service(**kwargs)
    except ServiceRefused:
        return REFUSED


def allowed(check, /, **kwargs) -> bool:
    """Whether a service's `<service>_check(**kwargs)` lets the action go ahead: a page asks it to show or hide the
    service's button, so the page and the service read one rule."""
    try:
        check(**kwargs)
    except (ValidationError, Conflict, PermissionDenied):
        return False
    return True


def digits_only(value: str) -> bool:
    """Whether a string is ASCII digits 0-9 only: str.isdigit() also takes ² or ①, which int() then refuses."""
    return value.isascii() and value.isdigit()


def parse_id(value, limit: int = 18) -> int | None:
    """An id typed in a form or a URL, or None when it is not one (not digits, or longer than any id)."""
    value = str(value or "").strip()
    return int(value) if digits_only(value) and len(value) <= limit else None


_ANY_ID = 7_777_777_777_777  # stands for a row's id in an address reversed once


def address_of(name: str, request=None):
    """A function giving the address of URL `name` for one row's id (absolute when `request` is given), reversed
    once: for a list linking each of its rows, where a reverse() per row costs more than the rest of the row."""
    address = reverse(name, args=[_ANY_ID])
    if request is not None:
        address = request.build_absolute_uri(address)
    before, _found, after = address.rpartition(str(_ANY_ID))
    return lambda pk: f"{before}{pk}{after}"
