"""The production web process (gunicorn with two workers): /metrics adds up every worker's webhook figures
(PROMETHEUS_MULTIPROC_DIR, set up by the process table), and every answer carries its request id."""

import urllib.error
import urllib.request

import pytest

from tests.live_portal import running_portal

pytestmark = pytest.mark.worker
REQUESTS = 12


def post(url: str) -> urllib.error.HTTPError:
    request = urllib.request.Request(url, data=b"[]", method="POST", headers={"Content-Type": "application/json",
                                                                              "X-Request-ID": "proxy-7"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    return refused.value


def test_metrics_add_up_the_figures_of_every_web_worker(django_db_setup, tmp_path):
    with running_portal({"WEB_CONCURRENCY": "2", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}) as base_url:
        for _ in range(REQUESTS):  # an unknown webhook token: 404, counted by whichever worker took it
            answer = post(base_url + "/webhooks/bandwidth/no-such-token/")
            assert answer.code == 404 and answer.headers["X-Request-ID"] == "proxy-7"
        text = urllib.request.urlopen(base_url + "/metrics", timeout=10).read().decode()
    assert f'portal_webhook_requests_total{{status="404"}} {REQUESTS}.0' in text
    assert f"portal_webhook_request_seconds_count {REQUESTS}.0" in text
