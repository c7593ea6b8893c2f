"""Every API list is cut into pages of at most 200 (portal.api.pagination.MAX_LIMIT), whatever `limit` asks:
limit/offset lists and the message log's cursor pages alike."""

from messaging.models import Extension, Message
from tests.messaging.factories import DID, RECIPIENT

API = "/t/acme/api/v1"


def test_a_limit_offset_page_holds_at_most_200(acme, api_a):
    Extension.objects.bulk_create([Extension(number=str(1000 + n)) for n in range(205)])
    body = api_a.get(f"{API}/extensions/", {"limit": 1000}).json()
    assert len(body["results"]) == 200 and body["count"] == Extension.objects.count()
    rest = api_a.get(body["next"]).json()
    assert len(rest["results"]) == Extension.objects.count() - 200 and rest["next"] is None


def test_a_cursor_page_holds_at_most_200(acme, api_a):
    Message.objects.bulk_create([Message(direction="out", status="sent", from_number=DID, to_numbers=[RECIPIENT],
                                         text=f"m{n}") for n in range(205)])
    body = api_a.get(f"{API}/messages/", {"limit": 1000}).json()
    assert len(body["results"]) == 200 and body["next"]
    assert len(api_a.get(body["next"]).json()["results"]) == 5
