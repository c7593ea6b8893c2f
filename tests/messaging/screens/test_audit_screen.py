import pytest

pytestmark = pytest.mark.django_db


def test_changes_page_lists_who_changed_what_with_secrets_redacted(client_a, acme_config, acme_trunk):
    client_a.post(
        f"/t/acme/trunks/{acme_trunk.pk}/",
        {"name": "BW Raleigh", "host": "sip.bandwidth.example", "enabled": "on",
         "numbers": "+19195550100\n+19195550101"},
    )
    html = client_a.get("/t/acme/audit/").content.decode()
    assert "admin_a" in html and "Main SMS" in html and "BW Raleigh" in html
    assert "+19195550100 not_registered → +19195550100 not_registered, +19195550101 not_registered" in html
    assert "<code>sender_id</code>" not in html  # nothing → nothing is not a change
    assert "s3cret-Client-Secret-value-42" not in html


def test_admin_of_other_tenant_gets_404(client_b):
    assert client_b.get("/t/acme/audit/").status_code == 404
