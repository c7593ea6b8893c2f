"""Inbound injection: message-received callbacks whose media the portal's client can download."""

import re

from django.core.management import call_command

from devtools.simulator import sample_png
from tests.devtools.simulator.conftest import ACCOUNT, APP_ID, OUR_NUMBER


def test_injected_mms_reaches_the_callback_and_its_picture_downloads(simulator, app, receiver, bw, session):
    answer = session.post(f"{simulator.base_url}/simulator/inbound",
                          json={"to": OUR_NUMBER, "from": "+19195550142", "text": "Look", "picture": True})
    assert answer.status_code == 202
    assert simulator.wait_idle()
    [event] = receiver.events()
    assert event["type"] == "message-received" and event["description"] == "Incoming message received"
    assert event["to"] == OUR_NUMBER
    message = event["message"]
    assert message | {"id": "", "time": "", "media": []} == {
        "id": "", "time": "", "to": [OUR_NUMBER], "from": "+19195550142", "text": "Look", "applicationId": APP_ID,
        "media": [], "owner": OUR_NUMBER, "direction": "in", "segmentCount": 1}
    [url] = message["media"]
    assert re.fullmatch(rf"{simulator.api_url}/users/{ACCOUNT}/media/{message['id']}/0/picture\.png", url)
    content, content_type = bw.download_media(url, max_bytes=1_000_000)
    assert content == sample_png() and content_type == "image/png"


def test_injection_can_attach_uploaded_media_and_is_searchable(simulator, app, receiver, bw):
    bw.upload_media(name="card.vcf", content=b"BEGIN:VCARD", content_type="text/vcard")
    event = simulator.inject_inbound(to=[OUR_NUMBER, "+19195550177"], from_="+19195550142", media=["card.vcf"],
                                     application_id=APP_ID)
    assert bw.download_media(event["message"]["media"][0], max_bytes=1000) == (b"BEGIN:VCARD", "text/vcard")
    [record] = bw.search_messages(message_id=event["message"]["id"]).messages
    assert (record.direction, record.status, record.message_type) == ("INBOUND", "RECEIVED", "mms")


def test_injection_refuses_unknown_applications_and_media(simulator, app, session):
    url = f"{simulator.base_url}/simulator/inbound"
    unknown_app = session.post(url, json={"applicationId": "nope", "to": OUR_NUMBER, "from": "+19195550142",
                                          "text": "x"})
    unknown_media = session.post(url, json={"to": OUR_NUMBER, "from": "+19195550142", "media": ["missing.png"]})
    assert unknown_app.status_code == 400 and "unknown application" in unknown_app.json()["error"]
    assert unknown_media.status_code == 400 and "missing.png" in unknown_media.json()["error"]


def test_page_form_injects_and_shows_it(simulator, app, receiver, session):
    page = session.get(f"{simulator.base_url}/simulator/")
    assert page.status_code == 200 and 'action="/simulator/inbound"' in page.text
    answer = session.post(f"{simulator.base_url}/simulator/inbound",
                          data={"from": "+19195550142", "to": OUR_NUMBER, "text": "from the form", "picture": "1"},
                          allow_redirects=False)
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/simulator/?notice=Injected")
    assert simulator.wait_idle()
    [event] = receiver.events()
    assert event["message"]["text"] == "from the form" and len(event["message"]["media"]) == 1
    assert "message-received" in session.get(f"{simulator.base_url}/simulator/").text


def test_inject_command_posts_to_the_simulator(simulator, app, receiver, capsys):
    call_command("bandwidth_simulator_inject", "--simulator", simulator.base_url, "--to", OUR_NUMBER,
                 "--from", "+19195550142", "--text", "from the command", "--picture")
    assert "Injected" in capsys.readouterr().out
    assert simulator.wait_idle()
    assert receiver.events()[0]["message"]["text"] == "from the command"
