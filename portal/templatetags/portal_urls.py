"""Template helpers: public pages' URLs from inside a tenant, audited values for people.

Inside a tenant request `{% url %}` adds /t/<slug>/, which a public page (sign-out, Tenants) must not have.
"""

from django import template

from portal.urls_helpers import public_reverse

register = template.Library()


@register.simple_tag
def public_url(name: str, *args) -> str:
    return public_reverse(name, args=args)


@register.filter
def audit_value(value) -> str:
    """An audited field value for people: lists joined, nothing shown as ∅."""
    if value is None or value == "" or value == []:
        return "∅"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)
