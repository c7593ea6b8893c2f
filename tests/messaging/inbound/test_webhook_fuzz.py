"""Fuzzed webhook bodies: mutations of Bandwidth's real callbacks (tests/fixtures/bandwidth/) with any JSON
value in any field, lone surrogates, NULs, huge numbers, deep nesting and damaged bytes. Every answer is
200, 400 or 413, never a 5xx; a 200 stored exactly the events it says it stored, and processing them
crashes on none; a 4xx stored nothing (item 4 of issue 10, and the fuzz proof).

WEBHOOK_FUZZ_EXAMPLES sets the number of bodies (a few hundred in make test; the bench run uses 10,000:
WEBHOOK_FUZZ_EXAMPLES=10000 ... -m pytest tests/messaging/inbound/test_webhook_fuzz.py).
"""

import json
import os

import pytest
from django_tenants.utils import tenant_context
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from messaging.models import WebhookEvent
from messaging.services.inbound import process
from tests.messaging.factories import CALLBACKS

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("WEBHOOK_FUZZ_EXAMPLES", "300"))
FIXTURES = [json.loads(path.read_text()) for path in sorted(CALLBACKS.glob("*.json"))]
DEEP = "__deep_nesting__"

odd_scalars = st.sampled_from([
    "\ud800", "a\udfffb", "\udbff\u0041", "\x00", "a\x00b", "¹", "٣", "x" * 5000, "😀", "\ufeff", "", " ",
    10**12, -(10**12), 2**31, 2**63, 10**40, 40000, -1, 0, 1e308, -0.0, 0.5, True, False, None, DEEP,
    "+1" + "9" * 40, "9" * 5000, "STOP", "message-received", "message-failed", "message-delivered",
])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30) | odd_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
KNOWN_KEYS = ["type", "time", "to", "description", "errorCode", "message", "id", "from", "text", "media",
              "segmentCount", "tag", "owner", "direction", "applicationId"]


def mutate(data, body):
    """Set a drawn value at a drawn place, a few times."""
    for _ in range(data.draw(st.integers(0, 4), label="mutations")):
        node = body
        while True:
            if isinstance(node, list) and node:
                index = data.draw(st.integers(0, len(node) - 1))
                if isinstance(node[index], dict | list) and data.draw(st.booleans()):
                    node = node[index]
                    continue
                node[index] = data.draw(json_values)
                break
            if isinstance(node, dict):
                key = data.draw(st.sampled_from(KNOWN_KEYS) | st.text(max_size=6))
                if isinstance(node.get(key), dict | list) and data.draw(st.booleans()):
                    node = node[key]
                    continue
                if data.draw(st.integers(0, 9)) == 0:
                    node.pop(key, None)
                else:
                    node[key] = data.draw(json_values)
                break
            break
    return body


def serialise(data, body) -> bytes:
    text = json.dumps(body)  # ensure_ascii: a lone surrogate goes out as \ud800, as on the wire
    if DEEP in text:
        depth = data.draw(st.sampled_from([10, 1000, 100_000]))
        text = text.replace(f'"{DEEP}"', "[" * depth + "]" * depth)
    raw = text.encode("utf-8", "surrogatepass")
    if data.draw(st.integers(0, 9)) == 0:  # damaged bytes
        position = data.draw(st.integers(0, max(0, len(raw) - 1)))
        raw = raw[:position] + data.draw(st.binary(max_size=4)) + raw[position + 1:]
    return raw


@hypothesis_settings(max_examples=EXAMPLES, deadline=None, database=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                            HealthCheck.data_too_large])
@given(data=st.data())
def test_mutated_callbacks_never_get_a_5xx_and_store_all_or_nothing(client, webhook_path, tenant_a, data):
    body = json.loads(json.dumps(data.draw(st.sampled_from(FIXTURES), label="fixture")))
    if data.draw(st.booleans(), label="several events"):
        body = body + json.loads(json.dumps(data.draw(st.sampled_from(FIXTURES))))
    raw = serialise(data, mutate(data, body))
    with tenant_context(tenant_a):
        before = set(WebhookEvent.objects.values_list("pk", flat=True))
    answer = client.post(webhook_path, raw, content_type="application/json")
    assert answer.status_code in (200, 400, 413), (answer.status_code, raw[:300])
    with tenant_context(tenant_a):
        new = sorted(set(WebhookEvent.objects.values_list("pk", flat=True)) - before)
        if answer.status_code != 200:
            assert new == [], raw[:300]
            return
        result = answer.json()
        sent = json.loads(raw)
        assert len(new) == result["stored"]
        assert result["stored"] + result["duplicates"] == (len(sent) if isinstance(sent, list) else 1)
        for event_id in new:
            process.process_callback(event_id=event_id)
        crashed = WebhookEvent.objects.filter(pk__in=new, note__startswith="Attempt").values_list("note", flat=True)
        assert list(crashed) == [], raw[:300]
