"""Inbound compliance keywords: the CTIA/FCC set by default, editable per tenant, the whole message in any case."""

import pytest

from messaging.models import ComplianceSettings, Message, OptOut
from messaging.models.compliance import DEFAULT_HELP, DEFAULT_OPT_IN, DEFAULT_OPT_OUT
from tests.messaging.factories import DID, callback, receive_callbacks

SENDER = "+19195550142"


def receive(acme, text: str, carrier_id: str = "in-1") -> Message:
    receive_callbacks(acme.configuration, callback("message-received", message__text=text, message__id=carrier_id,
                                                    message__media=[]))
    return Message.objects.get(direction="in", provider_message_id=carrier_id)


def opted_out() -> bool:
    return OptOut.objects.filter(number=DID, remote_number=SENDER).exists()


@pytest.mark.parametrize("word", [*DEFAULT_OPT_OUT, "stop", "Unsubscribe", "opt out", "Opt  Out", " quit. ",
                                  "Revoke", "optout"])
def test_each_opt_out_keyword_in_any_case_opts_the_sender_out(acme, word):
    assert receive(acme, word).keyword
    assert opted_out()


@pytest.mark.parametrize("word", [*DEFAULT_OPT_IN, "start", "Unstop", "yes"])
def test_each_opt_in_keyword_removes_the_opt_out(acme, word):
    receive(acme, "STOP")
    message = receive(acme, word, carrier_id="in-2")
    assert message.keyword == " ".join(word.split()).upper()
    assert not opted_out()


@pytest.mark.parametrize("word", [*DEFAULT_HELP, "help", "Info"])
def test_each_help_keyword_is_recorded_without_opting_out(acme, word):
    assert receive(acme, word).keyword == word.upper()
    assert not opted_out()


@pytest.mark.parametrize("text", ["please stop", "Stop it", "STOP STOP", "help me", "yes please", "opt-outs"])
def test_a_keyword_inside_other_words_is_an_ordinary_message(acme, text):
    assert receive(acme, text).keyword == ""
    assert not opted_out()


def test_an_edited_list_replaces_the_defaults(acme):
    ComplianceSettings.objects.update_or_create(pk=1, defaults={"opt_out_keywords": ["ARRET", "BASTA"]})
    assert receive(acme, "Basta").keyword == "BASTA"
    assert opted_out()
    OptOut.objects.all().delete()
    assert receive(acme, "STOP", carrier_id="in-2").keyword == ""
    assert not opted_out()
