"""The security boundary of the extension role: an extension user enters the tenant, but every screen and
endpoint that exists answers 404 to it, except the few opened by name. The URL lists are read from the
resolver, so a new screen or endpoint is covered (and closed) automatically."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from tenants.models import Membership
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

OPEN_TO_EXTENSION_USERS = {"": 302, "welcome/": 302, "inbox/": 200, "inbox/new/": 200, "api/v1/me/": 200,
                           "inbox/settings/": 200, "api/v1/inbox-settings/": 200, "live/": 200}
# Open to extension users, but a conversation or attachment of none of their extensions answers 404 (the walk
# uses id 1, which this user, serving no extension, may not see).
SCOPED_TO_THEIR_CONVERSATIONS = {"inbox/1/", "inbox/1/reply/", "inbox/1/media/1/"}
# The conversations API is open to extension users; this one has no extension, so it sees an empty list, has
# nothing to send from (400), and conversation 1 is not theirs (404). A method the endpoint lacks is 405
# whatever the id, so it tells nothing about a conversation.
OPEN_BY_METHOD = {
    ("api/v1/conversations/", "get"): 200, ("api/v1/conversations/", "post"): 400,
    ("api/v1/conversations/1/", "post"): 405, ("api/v1/conversations/1/read/", "get"): 405,
    ("api/v1/conversations/1/messages/1/media/1/", "post"): 405,
}
ANY_NUMBER = re.compile(r"<(?:int:)?\w+>|\(\?P<\w+>[^)]*\)")


def tenant_paths(patterns=None, prefix: str = "") -> list[str]:
    """Every URL of portal.urls_tenant, with 1 for each number, as a path below /t/<slug>/."""
    paths = []
    for entry in patterns if patterns is not None else get_resolver("portal.urls_tenant").url_patterns:
        route = ANY_NUMBER.sub("1", str(entry.pattern)).lstrip("^").rstrip("$").replace("\\", "")
        if isinstance(entry, URLResolver):
            paths += tenant_paths(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            paths.append(prefix + route)
    return sorted(set(paths))


@pytest.fixture
def ext_user(tenant_a):
    user = get_user_model().objects.create_user(username="ext_a", email="ext@example.com", password=PASSWORD)
    Membership.objects.create(user=user, tenant=tenant_a, role=Membership.Role.EXTENSION)
    return user


@pytest.fixture
def ext_client(ext_user) -> Client:
    client = Client()
    client.force_login(ext_user)
    return client


def test_the_walk_sees_screens_and_endpoints():
    paths = tenant_paths()
    assert {"", "trunks/", "trunks/1/", "users/1/delete/", "api/v1/me/", "api/v1/users/", "api/v1/users/1/",
            "api/v1/webhook-events/1/retry/"} <= set(paths)
    assert SCOPED_TO_THEIR_CONVERSATIONS <= set(paths)


@pytest.mark.parametrize("path", tenant_paths())
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_tenant_url_is_404_for_an_extension_user_unless_opened(ext_client, path, method):
    answer = getattr(ext_client, method)(f"/t/acme/{path}")
    if (path, method) in OPEN_BY_METHOD:
        assert answer.status_code == OPEN_BY_METHOD[path, method], (path, method, answer.status_code)
    elif path in OPEN_TO_EXTENSION_USERS and method == "get":
        assert answer.status_code == OPEN_TO_EXTENSION_USERS[path]
    elif path in SCOPED_TO_THEIR_CONVERSATIONS:
        # The wrong method answers 405 whatever the id: it tells nothing about the conversation.
        assert answer.status_code in (404, 405), (path, method, answer.status_code)
    elif path == "inbox/new/":
        assert answer.status_code == 200 and answer.context["form"].errors  # an empty form, refused
    elif path in OPEN_TO_EXTENSION_USERS:
        assert answer.status_code in (302, 405)
    else:
        assert answer.status_code == 404, (path, method, answer.status_code)


@pytest.mark.parametrize("path", [path for path in tenant_paths() if "1" not in path])
def test_administrators_keep_every_screen_and_endpoint(client_a, path):
    assert client_a.get(f"/t/acme/{path}").status_code != 404


@pytest.mark.parametrize("path", ["trunks/", "users/", "api/v1/users/", "api/v1/trunks/"])
def test_system_administrators_keep_them_too(sysadmin_client, path):
    assert sysadmin_client.get(f"/t/acme/{path}").status_code == 200


def test_home_sends_an_extension_user_to_the_inbox(ext_client):
    assert ext_client.get("/t/acme/")["Location"] == "/t/acme/inbox/"
    assert ext_client.get("/t/acme/welcome/")["Location"] == "/t/acme/inbox/"
    landing = ext_client.get("/t/acme/inbox/").content.decode()
    assert "Sign out" in landing or "logout" in landing
    for closed in ("/t/acme/trunks/", "/t/acme/users/", "/t/acme/audit/", "/t/acme/messages/"):
        assert closed not in landing


def test_administrators_navigation_shows_users(client_a):
    assert "/t/acme/users/" in client_a.get("/t/acme/").content.decode()


def test_extension_user_signs_in_and_lands_on_the_inbox(ext_user):
    client = Client()
    assert client.post("/login/", {"username": "ext_a", "password": PASSWORD}).status_code == 302
    assert client.get("/")["Location"] == "/t/acme/"
    assert client.get("/t/acme/", follow=True).redirect_chain[-1][0] == "/t/acme/inbox/"


def test_extension_user_gets_a_token_and_me_says_extension(ext_user):
    api = APIClient()
    answer = api.post("/api/v1/auth/token/", {"username": "ext_a", "password": PASSWORD}, format="json")
    assert answer.status_code == 200, answer.content
    api.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    me = api.get("/t/acme/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["role"] == "extension"
    assert api.get("/t/acme/api/v1/trunks/").status_code == 404
    assert api.get("/t/acme/api/v1/users/").status_code == 404
    assert api.get("/t/globex/api/v1/me/").status_code == 404


def test_extension_user_of_another_tenant_cannot_enter(ext_user):
    client = Client()
    client.force_login(ext_user)
    assert client.get("/t/globex/").status_code == 404
    assert client.get("/t/globex/welcome/").status_code == 404
