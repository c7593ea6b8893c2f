"""What every API list filter builds on: django-filter's FilterSet, so that each query parameter is validated
(a value that cannot match answers 400 naming the parameter, never a database error) and described in the
OpenAPI schema by drf-spectacular from the same class the view filters with.

The areas' FilterSets live beside their views: messaging/api/filters.py, tenants/filters.py.
"""

import django_filters
from django import forms
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field

# PostgreSQL's bigint: a bigger id is no row, and it must not reach the database as one.
MAX_ID = 2**63 - 1
TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
FALSE_WORDS = frozenset({"false", "0", "no", "off"})


class StrictBooleanField(forms.Field):
    """true/false (also 1/0, yes/no, on/off, any case); anything else is an error, where django-filter's
    BooleanFilter would quietly ignore `unread=maybe` and answer unfiltered."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_python(self, value):
        if value in (None, ""):
            return None
        word = str(value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    # Not django_filters.rest_framework's BooleanFilter: its widget turns an unknown word into None first.
    field_class = StrictBooleanField


class IdField(forms.IntegerField):
    """Whole ASCII digits from 1 to PostgreSQL's bigint ("¹", "1e3", "1.5", 2**63 are errors)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)

    def to_python(self, value):
        # int() reads other scripts' digits too ("٣" is 3): an id is written in ASCII.
        if isinstance(value, str) and not value.isascii():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IdFilter(filters.NumberFilter):
    field_class = IdField


def documented(filter_, schema: dict):
    """`filter_` with its parameter's schema stated here (drf-spectacular then takes the description from
    the schema, so the filter's help_text goes in too)."""
    return extend_schema_field({**schema, "description": filter_.extra.get("help_text", "")})(filter_)


def text_filter(max_length: int, help_text: str, **kwargs) -> filters.CharFilter:
    """A text parameter with its longest accepted value in the schema (a NUL is an error too)."""
    return documented(filters.CharFilter(max_length=max_length, help_text=help_text, **kwargs),
                      {"type": "string", "maxLength": max_length})


def id_filter(help_text: str, **kwargs) -> IdFilter:
    return documented(IdFilter(help_text=help_text, **kwargs),
                      {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID})
