"""The Inbox's unread badge in the navigation of every tenant page (static/js/inbox.js refreshes it)."""

from django import template

from messaging.selectors import conversations as conversation_selectors

register = template.Library()


@register.inclusion_tag("messaging/inbox/_unread_badge.html", takes_context=True)
def inbox_unread_badge(context) -> dict:
    if "unread_total" in context:  # the Inbox's own pages have just counted it
        return {"unread_total": context["unread_total"]}
    request = context["request"]
    reader = conversation_selectors.reader_for(request.user, request.tenant_role)
    return {"unread_total": conversation_selectors.count_unread_conversations(reader)}


@register.filter
def badge_count(total: int) -> str:
    """The unread badge's text: the count, or "99+" once count_unread_conversations reached its cap."""
    cap = conversation_selectors.UNREAD_BADGE_CAP
    return f"{cap - 1}+" if total >= cap else str(total)
