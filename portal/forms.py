"""How screens and serializers show a service's refusal: the two helpers every form view and input
serializer shares, so a PortalError reads the same everywhere."""

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.core.exceptions import ValidationError

from portal.exceptions import PortalError

In = TypeVar("In")
Out = TypeVar("Out")


def show_service_error(form: forms.Form, error: PortalError) -> None:
    """Put a service's error on the form: each field error next to its field, anything else above the form.

    A field that already shows the form's own error is left as it is, so nothing is said twice.
    """
    if not error.fields:
        form.add_error(None, error.message)
        return
    for field, messages in error.fields.items():
        if field in form.errors:
            continue
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


def checked(normalise: Callable[[In], Out], value: In) -> Out:
    """Run a service normaliser on one field's value (in a form's clean_<field> or a serializer's
    validate_<field>); its PortalError becomes that field's ValidationError, with the same words and code.

    DRF turns a Django ValidationError raised in validate_<field> into the field's error, so one helper
    serves both.
    """
    try:
        return normalise(value)
    except PortalError as exc:
        raise ValidationError(exc.message, code=exc.code) from exc
