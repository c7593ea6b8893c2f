"""GET /simulator/: a small page to inject an inbound message and see the accounts' locations, campaigns and
toll-free statuses, recent sends and callbacks."""

from __future__ import annotations

import copy
from html import escape
from typing import Any

RECENT = 25

STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;font-size:.85rem;width:100%}td,th{border:1px solid #ccc;padding:.25rem .4rem;
text-align:left;vertical-align:top}th{background:#f3f3f3}form{display:grid;gap:.5rem;max-width:32rem}
label{display:grid;gap:.15rem}.notice{background:#eef6ee;border:1px solid #9c9;padding:.5rem}
code{font-size:.85rem}.muted{color:#777}
"""


def render(sim: Any, *, notice: str = "") -> str:
    with sim.state.lock:
        apps = copy.deepcopy(list(sim.state.applications.values()))
        numbers = sorted({n for app in apps for n in app["numbers"]})
        locations = copy.deepcopy(sim.state.locations)
        campaigns = copy.deepcopy(sim.state.campaigns)
        toll_free = copy.deepcopy(sim.state.toll_free)
    sends = sim.state.recent_messages("out", RECENT)
    received = sim.state.recent_messages("in", RECENT)
    calls = sim.state.recent_callbacks(RECENT)
    options = "".join(f'<option value="{escape(n)}">' for n in numbers)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Bandwidth simulator</title><style>{STYLE}</style></head><body>
<h1>Bandwidth simulator</h1>
<p>API <code>{escape(sim.api_url)}</code> · token <code>{escape(sim.token_url)}</code> ·
<a href="/simulator/">refresh</a> · JSON: <a href="/simulator/messages">messages</a>,
<a href="/simulator/callbacks">callbacks</a>, <a href="/simulator/config">config</a>,
<a href="/simulator/applications">applications</a></p>
{f'<p class="notice">{escape(notice)}</p>' if notice else ''}
<h2>Inject an inbound message</h2>
<form method="post" action="/simulator/inbound">
<label>From (the texter) <input name="from" value="+19195550142" required></label>
<label>To (your DID) <input name="to" list="dids" required placeholder="+19195550100"></label>
<datalist id="dids">{options}</datalist>
<label>Text <textarea name="text" rows="3">Hello from the simulator</textarea></label>
<label><span><input type="checkbox" name="picture" value="1"> attach a sample picture</span></label>
<button type="submit">Send inbound message</button>
</form>
<h2>Applications</h2>{_applications(apps)}
<h2>Locations</h2>{_locations(locations)}
<h2>10DLC campaigns</h2>{_campaigns(campaigns)}
<h2>Toll-free verification</h2>{_toll_free(toll_free)}
<h2>Recent sends</h2>{_messages(sends)}
<h2>Recent inbound</h2>{_messages(received)}
<h2>Recent callbacks</h2>{_callbacks(calls)}
</body></html>"""


def _applications(apps: list[dict[str, Any]]) -> str:
    if not apps:
        return ('<p class="muted">None registered: <code>PUT /simulator/applications/{id}</code> with '
                '<code>{"callbackUrl": ...}</code>, or start with <code>--application ID=URL</code>.</p>')
    rows = "".join(
        f"<tr><td>{escape(a['applicationId'])}</td><td>{escape(a.get('accountId') or '')}</td>"
        f"<td>{escape(a.get('callbackUrl') or '')}</td><td>{'yes' if a.get('callbackUsername') else 'no'}</td>"
        f"<td>{escape(', '.join(a['numbers']))}</td></tr>"
        for a in apps
    )
    return ("<table><tr><th>application</th><th>account</th><th>callback URL</th><th>callback auth</th>"
            f"<th>numbers</th></tr>{rows}</table>")


def _locations(accounts: dict[str, list[dict[str, Any]]]) -> str:
    rows = "".join(
        f"<tr><td>{escape(account)}</td><td>{escape(site['name'])} ({escape(site['id'])})</td>"
        f"<td>{escape(peer['name'])} ({escape(peer['id'])})</td><td>{escape(peer.get('applicationId') or '')}</td>"
        f"<td>{escape(', '.join(peer['numbers']))}</td></tr>"
        for account, sites in sorted(accounts.items()) for site in sites for peer in site["sipPeers"]
    )
    if not rows:
        return ('<p class="muted">None: <code>PUT /simulator/accounts/{id}/locations</code> with '
                '<code>{"sites": [...]}</code>.</p>')
    return ("<table><tr><th>account</th><th>site</th><th>SIP peer</th><th>messaging application</th>"
            f"<th>numbers</th></tr>{rows}</table>")


def _campaigns(accounts: dict[str, list[dict[str, Any]]]) -> str:
    rows = "".join(
        f"<tr><td>{escape(account)}</td><td>{escape(c['campaignId'])}</td><td>{escape(c['messageClass'])}</td>"
        f"<td>{escape(c['status'])}</td><td>{escape(', '.join(c['numbers']))}</td></tr>"
        for account, items in sorted(accounts.items()) for c in items
    )
    if not rows:
        return '<p class="muted">None: <code>PUT /simulator/accounts/{id}/campaigns</code>.</p>'
    return ("<table><tr><th>account</th><th>campaign</th><th>class</th><th>status</th><th>numbers</th></tr>"
            f"{rows}</table>")


def _toll_free(accounts: dict[str, dict[str, dict[str, Any]]]) -> str:
    rows = "".join(
        f"<tr><td>{escape(account)}</td><td>{escape(number)}</td><td>{escape(r['status'])}</td>"
        f"<td>{escape(r.get('declineReason') or '')}</td></tr>"
        for account, numbers in sorted(accounts.items()) for number, r in sorted(numbers.items())
    )
    if not rows:
        return '<p class="muted">None: <code>PUT /simulator/accounts/{id}/toll-free</code>.</p>'
    return ("<table><tr><th>account</th><th>number</th><th>status</th><th>decline reason</th></tr>"
            f"{rows}</table>")


def _messages(records: list[dict[str, Any]]) -> str:
    if not records:
        return '<p class="muted">Nothing yet.</p>'
    rows = "".join(
        f"<tr><td>{escape(r['receivedAt'])}</td><td>{escape(r['id'])}</td><td>{escape(r['message']['from'])}</td>"
        f"<td>{escape(', '.join(r['message']['to']))}</td><td>{escape(r['message'].get('text') or '')}</td>"
        f"<td>{len(r['message'].get('media') or [])}</td><td>{escape(r.get('tag') or '')}"
        f"{' (x' + str(r['tagCount']) + ')' if r.get('tagCount', 0) > 1 else ''}</td>"
        f"<td>{escape(_status(r))}</td></tr>"
        for r in records
    )
    return ("<table><tr><th>time</th><th>id</th><th>from</th><th>to</th><th>text</th><th>media</th><th>tag</th>"
            f"<th>status</th></tr>{rows}</table>")


def _status(record: dict[str, Any]) -> str:
    parts = [s["status"] + (f" {s['errorCode']}" if s["errorCode"] else "") for s in record["recipients"].values()]
    return ", ".join(parts) + (" · dropped" if record.get("dropped") else "")


def _callbacks(entries: list[dict[str, Any]]) -> str:
    if not entries:
        return '<p class="muted">Nothing yet.</p>'
    rows = "".join(
        f"<tr><td>{e['id']}</td><td>{escape(e['type'])}{' (duplicate)' if e['duplicate'] else ''}</td>"
        f"<td>{escape(e['messageId'])}</td><td>{escape(e['to'])}</td><td>{escape(e['url'])}</td>"
        f"<td>{escape(' → '.join(_attempt(a) for a in e['attempts']))}</td><td>{escape(e['state'])}</td></tr>"
        for e in entries
    )
    return ("<table><tr><th>#</th><th>event</th><th>message</th><th>to</th><th>URL</th><th>attempts</th>"
            f"<th>state</th></tr>{rows}</table>")


def _attempt(attempt: dict[str, Any]) -> str:
    outcome = str(attempt["status"]) if attempt["status"] is not None else (attempt["error"] or "error")
    return f"{outcome}{' (basic)' if attempt['authorization'] == 'basic' else ''}"
