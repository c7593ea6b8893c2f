"""Bandwidth's JSON shapes: message ids, times, send validation, message objects, events, search records."""

from __future__ import annotations

import re
import secrets
import time
from datetime import UTC, datetime
from typing import Any

import phonenumbers

from devtools.simulator.config import E164_RE
from messaging.bandwidth.segments import count_segments
from messaging.numbers import ALPHANUMERIC_SENDER_ID

ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
SHORT_CODE_RE = re.compile(r"^\d{5,6}$")
MAX_TEXT, MAX_MEDIA, MAX_TAG, MAX_RECIPIENTS = 2048, 10, 1024, 20
CARRIER_NAME = "Simulated Carrier"


def message_id() -> str:
    """An id shaped like Bandwidth's: 13-digit epoch milliseconds and 16 lowercase letters/digits."""
    # One urandom call per id (the modulo bias does not matter for a simulator).
    return f"{int(time.time() * 1000)}" + "".join(ID_ALPHABET[b % 36] for b in secrets.token_bytes(16))


def iso_now() -> str:
    return iso(time.time())


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(value: str) -> float:
    """Epoch seconds of an ISO-8601 time (Z or offset; naive means UTC). Raises ValueError."""
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def segment_count(text: str) -> int:
    return max(1, count_segments(text or "").segments)


def validation_errors(body: Any) -> list[dict[str, str]]:
    """Bandwidth-style fieldErrors for a send body; empty when it would be accepted."""
    if not isinstance(body, dict):
        return [{"fieldName": "body", "description": "The request body must be a JSON object."}]
    errors: list[dict[str, str]] = []

    def bad(field: str, description: str) -> None:
        errors.append({"fieldName": field, "description": description})

    app, to, from_ = body.get("applicationId"), body.get("to"), body.get("from")
    text, media, tag = body.get("text"), body.get("media"), body.get("tag")
    if not isinstance(app, str) or not app.strip():
        bad("applicationId", "'applicationId' is required.")
    if not isinstance(to, list) or not to:
        bad("to", "'to' must be a non-empty array of phone numbers.")
    elif len(to) > MAX_RECIPIENTS:
        bad("to", f"'to' accepts at most {MAX_RECIPIENTS} numbers.")
    else:
        for number in to:
            if not isinstance(number, str) or not E164_RE.match(number):
                bad("to", f"'{number}' must be a valid E.164 phone number.")
    if not isinstance(from_, str) or not from_:
        bad("from", "'from' is required.")
    elif not (E164_RE.match(from_) or SHORT_CODE_RE.match(from_) or ALPHANUMERIC_SENDER_ID.match(from_)):
        bad("from", f"'{from_}' must be a valid E.164 phone number, short code or alphanumeric sender ID.")
    if text is not None and not isinstance(text, str):
        bad("text", "'text' must be a string.")
    elif text and len(text) > MAX_TEXT:
        bad("text", f"'text' must be at most {MAX_TEXT} characters.")
    if media is not None and (not isinstance(media, list) or not all(isinstance(m, str) and m for m in media)):
        bad("media", "'media' must be an array of URLs.")
    elif media and len(media) > MAX_MEDIA:
        bad("media", f"'media' accepts at most {MAX_MEDIA} items.")
    if not text and not media and not any(e["fieldName"] in ("text", "media") for e in errors):
        bad("text", "A message needs 'text' or 'media'.")
    if tag is not None and (not isinstance(tag, str) or len(tag) > MAX_TAG):
        bad("tag", f"'tag' must be a string of at most {MAX_TAG} characters.")
    if body.get("priority") not in (None, "default", "high"):
        bad("priority", "'priority' must be 'default' or 'high'.")
    if body.get("expiration") is not None:
        try:
            parse_iso(str(body["expiration"]))
        except ValueError:
            bad("expiration", "'expiration' must be an ISO-8601 date-time.")
    return errors


def outbound_message(body: dict[str, Any], *, id_: str, time_: str) -> dict[str, Any]:
    """The 202 answer to an accepted send."""
    return {
        "id": id_, "owner": body["from"], "applicationId": body["applicationId"], "time": time_,
        "segmentCount": segment_count(body.get("text") or ""), "direction": "out", "to": list(body["to"]),
        "from": body["from"], "text": body.get("text") or "", "media": list(body.get("media") or []),
        "tag": body.get("tag") or "", "priority": body.get("priority") or "default",
        **({"expiration": body["expiration"]} if body.get("expiration") else {}),
    }


def status_event(kind: str, message: dict[str, Any], *, to: str, error_code: int | None = None,
                 description: str = "ok") -> dict[str, Any]:
    """A message-sending/-delivered/-failed event; like Bandwidth's, it does not repeat the text."""
    echoed = {key: message[key] for key in ("id", "owner", "applicationId", "time", "segmentCount",
                                            "direction", "to", "from", "media", "priority")}
    echoed["text"] = ""
    if message.get("tag"):
        echoed["tag"] = message["tag"]
    event: dict[str, Any] = {"type": kind, "time": iso_now(), "description": description, "to": to,
                             "message": echoed}
    if error_code is not None:
        event["errorCode"] = error_code
    return event


# The A3 codes of the regions the simulator's numbers come from; others answer null (the spec allows it).
COUNTRY_A3 = {"US": "USA", "CA": "CAN", "PR": "PRI", "VI": "VIR", "GU": "GUM", "AS": "ASM", "MP": "MNP",
              "BS": "BHS", "JM": "JAM", "DO": "DOM", "TT": "TTO", "BB": "BRB", "BM": "BMU", "GB": "GBR",
              "IE": "IRL", "FR": "FRA", "DE": "DEU", "ES": "ESP", "IT": "ITA", "NL": "NLD", "MX": "MEX",
              "BR": "BRA", "AU": "AUS", "NZ": "NZL", "IN": "IND", "JP": "JPN"}
# The fields of a search record, in the spec's order (listMessageItem); `sort` accepts these.
SEARCH_FIELDS = ("messageId", "accountId", "sourceTn", "destinationTn", "messageStatus", "messageDirection",
                 "messageType", "segmentCount", "errorCode", "receiveTime", "carrierName", "messageSize",
                 "messageLength", "attachmentCount", "recipientCount", "campaignClass", "campaignId", "bwLatency",
                 "carrierLatency", "callingNumberCountryA3", "calledNumberCountryA3", "product", "location")
TOLL_FREE_RE = re.compile(r"^\+18(00|33|44|55|66|77|88)\d{7}$")


def country_a3(number: str) -> str | None:
    """The ISO 3166 alpha-3 country of an E.164 number (callingNumberCountryA3 and calledNumberCountryA3)."""
    if not E164_RE.match(number or ""):
        return None
    try:
        parsed = phonenumbers.parse(number)
    except phonenumbers.NumberParseException:
        return None
    # Test ranges (555-01xx, Ofcom's drama numbers) belong to no region: fall back to the country code's.
    region = phonenumbers.region_code_for_number(parsed) or phonenumbers.region_code_for_country_code(
        parsed.country_code)
    return COUNTRY_A3.get(region or "")


def product(sender: str) -> str:
    """The messaging product of a sender as Bandwidth names them (productTypeEnum)."""
    if SHORT_CODE_RE.match(sender):
        return "SHORT_CODE_REACH"
    if TOLL_FREE_RE.match(sender):
        return "TOLL_FREE"
    if not E164_RE.match(sender):
        return "ALPHA_NUMERIC"
    return "LOCAL_A2P"


def search_records(record: dict[str, Any], *, location: str | None = None) -> list[dict[str, Any]]:
    """One search record per recipient (metadata only: Bandwidth never returns the text), with every
    field of the spec's listMessageItem; the quality metrics and 10DLC campaign fields are null, as for
    an account without those features."""
    message = record["message"]
    inbound = record["direction"] == "in"
    media = message.get("media") or []
    kind = "mms" if media or len(message["to"]) > 1 else "sms"
    text = message.get("text") or ""
    return [
        {
            "messageId": message["id"], "accountId": record["accountId"], "sourceTn": message["from"],
            "destinationTn": recipient, "messageStatus": state["status"],
            "messageDirection": "INBOUND" if inbound else "OUTBOUND", "messageType": kind,
            "segmentCount": message["segmentCount"], "errorCode": state["errorCode"],
            "receiveTime": message["time"], "carrierName": None if inbound else CARRIER_NAME,
            # Bandwidth counts the content in bytes; the simulator has no carrier headers to add.
            "messageSize": len(text.encode("utf-8")), "messageLength": len(text),
            "attachmentCount": len(media), "recipientCount": len(message["to"]),
            "campaignClass": None, "campaignId": None, "bwLatency": None, "carrierLatency": None,
            "callingNumberCountryA3": country_a3(message["from"]), "calledNumberCountryA3": country_a3(recipient),
            # The product follows our side of the conversation: the sender outbound, the recipient inbound.
            "product": product(recipient if inbound else message["from"]), "location": location,
        }
        for recipient, state in record["recipients"].items()
    ]
