"""Every page carries the Content-Security-Policy, runs no script or style the policy does not allow (inline ones
only with the request's nonce, no inline handlers or style attributes) and loads nothing from another host.

The walk covers every URL pattern of the public and the tenant URLconf, with each role (anonymous, system
administrator, tenant administrator, extension user): a new page cannot escape it. Patterns with parameters
get values that find nothing (their 404 page is checked); the template scan below covers the templates those
pages would have rendered.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLResolver, get_resolver

from tenants.models import Membership
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Server-sent events: a stream that stays open (its headers are checked in tests/messaging of the live channel).
STREAMS = {"live/"}
NONCE = re.compile(r"'nonce-([^']+)'")
TAG = re.compile(r"<(script|style|link|img|iframe|source|video|audio|embed|object)\b([^>]*)>", re.IGNORECASE)
ATTRIBUTE = re.compile(r"""\s([a-z-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"""<[^>]*\son[a-z]+\s*=""", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"""<[^>]*\sstyle\s*=""", re.IGNORECASE)
REGEX_GROUP = re.compile(r"\(\?P<[^>]+>[^)]*\)")
CONVERTER = re.compile(r"<(?:(\w+):)?\w+>")
SAMPLES = {"int": "999999", "uuid": "00000000-0000-4000-8000-000000000000", None: "nope"}


def paths(patterns, prefix: str = ""):
    for entry in patterns:
        route = str(entry.pattern).lstrip("^").rstrip("$").replace("\\", "")
        route = REGEX_GROUP.sub("9", route)
        route = CONVERTER.sub(lambda match: SAMPLES.get(match.group(1), "nope"), route)
        if isinstance(entry, URLResolver):
            yield from paths(entry.url_patterns, prefix + route)
        elif prefix + route not in STREAMS:
            yield prefix + route


def every_path() -> list[str]:
    public = ["/" + path for path in paths(get_resolver(settings.PUBLIC_SCHEMA_URLCONF).url_patterns)]
    tenant = ["/t/acme/" + path for path in paths(get_resolver(settings.ROOT_URLCONF).url_patterns)]
    return sorted(set(public + tenant))


@pytest.fixture
def clients(tenant_a, sysadmin, admin_a) -> dict[str, Client]:
    extension_user = get_user_model().objects.create_user(username="csp_ext", password=PASSWORD)
    Membership.objects.create(user=extension_user, tenant=tenant_a, role=Membership.Role.EXTENSION)
    signed_in = {"system administrator": sysadmin, "tenant administrator": admin_a, "extension user": extension_user}
    made = {"anonymous": Client()}
    for role, user in signed_in.items():
        made[role] = Client()
        made[role].force_login(user)
    return made


def problems_in(html: str, nonce: str | None) -> list[str]:
    found = []
    for tag, attributes in TAG.findall(html):
        values = {name.lower(): value.strip("\"'") for name, value in ATTRIBUTE.findall(" " + attributes)}
        address = values.get("src") or (values.get("href") if tag.lower() == "link" else None)
        if address and re.match(r"(https?:)?//", address, re.IGNORECASE):
            found.append(f"<{tag}> from another host: {address}")
        if tag.lower() in {"script", "style"} and not address and values.get("nonce") != nonce:
            found.append(f"inline <{tag}> without the request's nonce")
    if INLINE_HANDLER.search(html):
        found.append("an inline event handler (on...=)")
    if STYLE_ATTRIBUTE.search(html):
        found.append("a style attribute")
    return found


def test_the_walk_reaches_the_screens_and_the_api():
    walked = every_path()
    assert len(walked) > 60
    for expected in ("/login/", "/api/docs/", "/account/tokens/", "/t/acme/trunks/", "/t/acme/api/v1/messages/"):
        assert expected in walked


def test_every_page_for_every_role_has_the_policy_and_keeps_to_it(clients):
    pages = 0
    for path in every_path():
        for role, client in clients.items():
            answer = client.get(path)
            where = f"GET {path} as {role} ({answer.status_code})"
            policy = answer.get("Content-Security-Policy", "")
            assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy, where
            assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, where
            if answer.streaming or not answer.get("Content-Type", "").startswith("text/html"):
                continue
            pages += 1
            nonce = NONCE.search(policy)
            assert problems_in(answer.content.decode(), nonce and nonce.group(1)) == [], where
    assert pages > 100  # HTML pages really were looked at, not only redirects and JSON


def test_no_template_has_inline_handlers_style_attributes_or_inline_code_without_a_nonce():
    for template in sorted(TEMPLATES.rglob("*.html")):
        source = template.read_text()
        name = template.relative_to(TEMPLATES)
        assert not INLINE_HANDLER.search(source), f"{name}: inline event handler"
        assert not STYLE_ATTRIBUTE.search(source), f"{name}: style attribute"
        for tag, attributes in TAG.findall(source):
            if tag.lower() in {"script", "style"} and "src=" not in attributes:
                assert 'nonce="{{ request.csp_nonce }}"' in attributes, f"{name}: inline <{tag}> without the nonce"


def test_the_checker_catches_what_the_policy_would_block():
    assert problems_in('<script>alert(1)</script>', "n") == ["inline <script> without the request's nonce"]
    assert problems_in('<script nonce="n">ok()</script><style nonce="n"></style>', "n") == []
    assert problems_in('<script src="https://cdn.example.com/x.js"></script>', "n") == [
        "<script> from another host: https://cdn.example.com/x.js"]
    assert problems_in('<link rel="stylesheet" href="//fonts.example.com/a.css">', "n")
    assert problems_in('<a href="https://www.bandwidth.com/">Bandwidth</a>', "n") == []  # a link loads nothing
    assert problems_in('<button onclick="x()">', "n") and problems_in('<p style="color:red">', "n")
