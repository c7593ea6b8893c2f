"""Inbound SMS rules: which extension(s) an inbound message goes to.

A rule matches when the message's DID lies in its DID range (on the configuration's trunk) and the
sender matches its caller mask. The most specific rule wins: the narrowest DID range first, then the
narrowest caller mask (one number, a range, a wildcard, any caller); ties go by order.
"""

from dataclasses import dataclass

from messaging.models import Extension, InboundRule

ANY_CALLER = 10**16


@dataclass(frozen=True)
class InboundRoute:
    rule: InboundRule | None
    extensions: list[Extension]


def _digits(number: str) -> int | None:
    digits = number.lstrip("+")
    return int(digits) if digits.isdigit() else None


def _in_range(number: str, start: str, end: str) -> bool:
    value, low, high = _digits(number), _digits(start), _digits(end)
    if value is None or low is None or high is None or len(number) != len(start):
        return False
    return low <= value <= high


def caller_matches(mask: str, caller: str) -> bool:
    mask = mask.strip()
    if not mask:
        return True
    if "*" in mask:
        return len(mask) == len(caller) and all(
            m == "*" and c.isdigit() or m == c for m, c in zip(mask, caller, strict=True)
        )
    if "-" in mask.lstrip("+"):
        start, _, end = mask.partition("-")
        return _in_range(caller, start.strip(), end.strip())
    return caller == mask


def caller_mask_breadth(mask: str) -> int:
    """How many callers a mask admits: fewer is more specific."""
    mask = mask.strip()
    if not mask:
        return ANY_CALLER
    if "*" in mask:
        return 10 ** mask.count("*")
    if "-" in mask.lstrip("+"):
        start, _, end = mask.partition("-")
        low, high = _digits(start.strip()), _digits(end.strip())
        return (high - low + 1) if low is not None and high is not None else ANY_CALLER
    return 1


def _did_breadth(rule: InboundRule) -> int:
    low, high = _digits(rule.did_start), _digits(rule.did_end)
    return (high - low + 1) if low is not None and high is not None else ANY_CALLER


def inbound_route(*, trunk_id: int, did: str, caller: str) -> InboundRoute:
    """The extensions an inbound message from `caller` to our `did` goes to; none means Unrouted."""
    return route_among(trunk_rules(trunk_id), did=did, caller=caller)


def trunk_rules(trunk_id: int) -> list[InboundRule]:
    """The trunk's enabled inbound rules with their extensions (two queries), for route_among."""
    return list(InboundRule.objects.filter(trunk_id=trunk_id, enabled=True).prefetch_related("extensions"))


def route_among(rules: list[InboundRule], *, did: str, caller: str) -> InboundRoute:
    """inbound_route over rules read once (trunk_rules): a batch of messages routes without a query each."""
    candidates = [
        rule for rule in rules
        if _in_range(did, rule.did_start, rule.did_end) and caller_matches(rule.caller_mask, caller)
    ]
    if not candidates:
        return InboundRoute(rule=None, extensions=[])
    best = min(candidates, key=lambda r: (_did_breadth(r), caller_mask_breadth(r.caller_mask), r.order, r.pk))
    return InboundRoute(rule=best, extensions=list(best.extensions.all()))
