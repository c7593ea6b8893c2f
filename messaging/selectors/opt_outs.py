"""The opt-out list as the Opt-outs screen and the opt-outs/ API read it."""

from django.db.models import Q

from messaging.models import OptOut

MAX_QUERY_LENGTH = 32


def list_opt_outs(*, q: str = "", source: str = ""):
    """Newest first. `q`: a number in any format, or some of its digits, matched in our number or the remote
    one; a query without digits matches nothing (no number holds letters)."""
    opt_outs = OptOut.objects.select_related("added_by").order_by("-created_at", "-id")
    if source:
        opt_outs = opt_outs.filter(source=source)
    q = (q or "").strip()
    if q:
        digits = "".join(ch for ch in q if ch.isascii() and ch.isdigit())
        if not digits:
            return opt_outs.none()
        # "+1 (919) 555-0100" and "5550100" both find +19195550100.
        opt_outs = opt_outs.filter(Q(remote_number__contains=digits) | Q(number__contains=digits))
    return opt_outs
