"""URL helpers for templates: public pages from inside a tenant, tenant pages from public ones.

Inside a tenant request `{% url %}` already adds /t/<slug>/; these cover the two other directions,
where a plain `{% url %}` gives the wrong prefix or nothing at all.
"""

from django import template

from portal.urls_helpers import public_reverse, tenant_reverse

register = template.Library()


@register.simple_tag
def public_url(name: str, *args) -> str:
    return public_reverse(name, args=args)


@register.simple_tag
def tenant_url(slug: str, name: str, *args) -> str:
    return tenant_reverse(slug, name, args=args)


@register.filter
def audit_value(value) -> str:
    """An audited field value for people: lists joined, nothing shown as ∅."""
    if value is None or value == "" or value == []:
        return "∅"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)
