"""portal/broker.py: an acknowledgement that Redis does not answer still frees the prefetch slot.

Without it, kombu's Redis QoS keeps the message counted as delivered when the removal from Redis's unacked
index raises, and a channel with its prefetch count reached never fetches again (bench/faults.py: a
worker consuming nothing after a 20 s Redis hang). A real redis-server, SIGSTOPped.
"""

import pytest
from kombu import Connection

import portal.celery  # noqa: F401 - installs the fix, as every process that loads the app does


def test_a_failed_acknowledgement_frees_the_prefetch_slot(private_redis):
    with Connection(private_redis.url, transport_options={"socket_timeout": 0.5,
                                                          "socket_connect_timeout": 0.5}) as connection:
        channel = connection.default_channel
        queue = connection.SimpleQueue("broker-ack-test")
        queue.put({"n": 1})
        message = queue.get(timeout=5)
        channel.basic_qos(0, 1, False)
        assert not channel.qos.can_consume()  # one delivered, prefetch count 1

        private_redis.hang()
        try:
            with pytest.raises(Exception):  # noqa: B017, PT011 - redis' or kombu's timeout, whichever wraps
                message.ack()
        finally:
            private_redis.resume()

        assert channel.qos.can_consume(), "the unanswered acknowledgement still holds the prefetch slot"
        queue.close()
