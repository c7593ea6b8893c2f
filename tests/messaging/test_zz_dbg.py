import threading, json, time
from django.db import connection
from django_tenants.utils import tenant_context
from messaging.models import Message
from messaging.services import sending_delivery
from tests.messaging.outbound_data import make_message, SEND_URL, accepted
pytest_plugins = ["tests.messaging.outbound_fixtures"]

def test_dbg(committed_acme, bandwidth):
    with tenant_context(committed_acme.tenant):
        message = make_message(committed_acme)
    def slow_accept(request):
        time.sleep(0.5)
        return 202, {}, json.dumps(accepted())
    bandwidth.add_callback("POST", SEND_URL, callback=slow_accept)
    out = []
    def copy():
        try:
            with tenant_context(committed_acme.tenant):
                m = Message.objects.select_related("sms_configuration").filter(pk=message.pk, direction="out").first()
                out.append(("loaded", m and m.status, m and m.next_attempt_at))
                out.append(("problem", sending_delivery._cannot_send(m)))
                sending_delivery.deliver_message(message_id=message.pk)
                out.append(("after", Message.objects.filter(pk=message.pk).values_list("status", "attempts").first()))
        except BaseException as exc:
            out.append(repr(exc))
    t = threading.Thread(target=copy); t.start(); t.join()
    print(out, list(bandwidth.calls))
    assert 0
