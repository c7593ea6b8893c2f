"""static/js/segments.js, run in Chromium, counts what messaging/bandwidth/segments.py counts (Compose's live
counter), and describes a reply text in the words the Compliance screen's server side writes for what the
service stores (surrounding blanks dropped the way Python drops them)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from messaging.bandwidth import count_segments
from messaging.forms.compliance import segments_of

pytestmark = pytest.mark.browser

SAMPLES = [
    "", "Hello", "a" * 160, "a" * 161, "a" * 306, "a" * 307, "[" * 80, "[" * 81, "a" * 152 + "€", "a" * 159 + "€",
    "é" * 10, "ç", "Ç", "Ω", "\f", "\x1b", "line\nbreak\r", "€" * 153, "你好", "😀" * 35, "😀" * 36,
    "a" * 66 + "😀" * 3, "a" * 70, "a" * 69 + "😀", "{}[]~|^\\" * 20, "Hello 😀 world " * 9,
]
# Where JavaScript's trim() and Python's strip() disagree, and a Windows line break.
REPLY_SAMPLES = [*SAMPLES, "  Acme: reply STOP to end.  ", "\x1cHELP\x1f", "\x85ok\x85", "\ufeffok\ufeff",
                 "\u3000ok\u2029", "a\r\nb", "\t\n", "😀 " + "x" * 300 + " 😀"]

IN_CHROMIUM = """
import json, sys
from playwright.sync_api import sync_playwright
script, texts = sys.stdin.read().split("\\0", 1)
with sync_playwright() as playwright:
    browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
    page = browser.new_page()
    page.set_content("<!doctype html><html><body></body></html>")
    page.add_script_tag(content=script)
    texts = json.loads(texts)
    print(json.dumps(page.evaluate(
        "([counted, replies]) => [counted.map(t => window.SmsSegments.count(t)), "
        "replies.map(t => window.SmsSegments.describeReply(t))]", [texts["counted"], texts["replies"]])))
    browser.close()
"""


@pytest.fixture(scope="module")
def in_chromium() -> tuple[list[dict], list[str]]:
    pytest.importorskip("playwright.sync_api")
    script = (Path(settings.BASE_DIR) / "static" / "js" / "segments.js").read_text(encoding="utf-8")
    texts = json.dumps({"counted": SAMPLES, "replies": REPLY_SAMPLES})
    # Its own process: a session's Playwright loop (tests/browser) may already run in this one.
    result = subprocess.run([sys.executable, "-c", IN_CHROMIUM], input=script + "\0" + texts, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    counted, described = json.loads(result.stdout)
    return counted, described


def test_the_counting_rule_matches_count_segments(in_chromium):
    counted, _ = in_chromium
    for text, js in zip(SAMPLES, counted, strict=True):
        py = count_segments(text)
        assert (js["encoding"], js["units"], js["segments"], js["perSegment"], js["remaining"]) == (
            py.encoding, py.units, py.segments, py.per_segment, py.remaining), text


def test_a_reply_is_described_as_the_server_describes_what_it_stores(in_chromium):
    _, described = in_chromium
    for text, js in zip(REPLY_SAMPLES, described, strict=True):
        assert js == segments_of(text), repr(text)
