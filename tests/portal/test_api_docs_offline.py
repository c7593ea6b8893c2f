"""/api/docs/ works on a network without internet: Swagger UI comes from the portal's own static files, and the
page loads nothing from another host."""

import re

from django.contrib.staticfiles import finders
from django.test import Client

ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


def test_api_docs_load_only_the_portals_own_files(db):
    page = Client().get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assets = ASSET.findall(html)
    assert any("swagger-ui" in asset for asset in assets)  # the page does load Swagger UI
    for asset in assets:
        assert not re.match(r"(https?:)?//", asset), f"loaded from another host: {asset}"
        if asset.startswith("/static/"):
            assert finders.find(asset.removeprefix("/static/")), f"not among the static files: {asset}"
    assert not re.search(r"https?://(?!127\.0\.0\.1|localhost|testserver)[\w.-]+/[\w./-]*\.(js|css)", html)
