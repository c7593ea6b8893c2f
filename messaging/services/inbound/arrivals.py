"""The inbound messages (`message-received`) of one batch of the inbox, stored and routed set by set.

The same rules as process.receive_message, for a batch: a message is stored once (a group message stays
one message: the events of one carrier id share it, whether they come in this batch or found it stored),
routed by the trunk's rules (read once per trunk), threaded (conversations made and found in two queries,
the last message moved with one guarded UPDATE), STOP/START/HELP applied, media downloads and mail
notifications queued after commit, the live events collected by the batch. Each event gets the note
receive_message would write. Must run inside the batch's transaction.

Two drains storing the two events of one group message at the same moment collide at the carrier id's
unique index: the batch that loses raises IntegrityError, is rolled back, and its events are tried one by
one (inbox.py), where receive_message waits for the other to commit and takes its row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q

from messaging import dispatch, live
from messaging import metrics as message_metrics
from messaging.bandwidth.segments import count_segments
from messaging.models import (
    Conversation,
    ExtensionAssignment,
    InboxPreference,
    Message,
    MessageMedia,
    SmsConfiguration,
    WebhookEvent,
)
from messaging.services.conversations import notifications, threads
from messaging.services.inbound import payload, process, routing

Through = Message.routed_to.through
Links = Conversation.extensions.through


@dataclass
class _Arrival:
    event: WebhookEvent
    incoming: payload.CallbackMessage
    configuration: SmsConfiguration
    our_number: str
    route: routing.InboundRoute | None = None
    message: Message | None = None
    created: bool = False
    extension_ids: list[int] = field(default_factory=list)


def receive_messages(events: list[WebhookEvent], configurations: dict[int, SmsConfiguration]) -> dict[int, str]:
    """Store and route the `message-received` events (locked, pending, of enabled configurations); return
    each one's note by event id."""
    arrivals = []
    for event in events:
        incoming = payload.read_message(event.payload)
        our_number = event.recipient or (incoming.to[0] if incoming.to else "")
        arrivals.append(_Arrival(event, incoming, configurations[event.configuration_id], our_number))
    if not arrivals:
        return {}
    rules = {trunk_id: routing.trunk_rules(trunk_id) for trunk_id in {a.configuration.trunk_id for a in arrivals}}
    for arrival in arrivals:
        arrival.route = routing.route_among(rules[arrival.configuration.trunk_id], did=arrival.our_number,
                                            caller=arrival.incoming.sender)
        arrival.extension_ids = [e.pk for e in arrival.route.extensions]
    _store(arrivals)
    message_metrics.message_status("received", direction="in", amount=sum(a.created for a in arrivals))
    _thread(arrivals)
    _queue_notifications(arrivals)
    notes = {}
    for arrival in arrivals:
        message, route = arrival.message, arrival.route
        keyword = (process._apply_keyword(message, our_number=arrival.our_number, caller=arrival.incoming.sender)
                   if arrival.created else "")
        where = ", ".join(e.number for e in route.extensions) if route.extensions else "Unrouted"
        rule = f" by rule “{route.rule.name}”" if route.rule else ""
        notes[arrival.event.pk] = (f"Inbound message {message.pk} from {arrival.incoming.sender} to "
                                   f"{arrival.our_number}: {where}{rule}.{keyword}")
    return notes


def _store(arrivals: list[_Arrival]) -> None:
    """Each arrival's message: found (locked) or made; routed_to linked; `unrouted` right."""
    carriers = {a.incoming.carrier_id for a in arrivals if a.incoming.carrier_id}
    stored = {m.provider_message_id: m for m in Message.objects.select_for_update().filter(
        direction=Message.Direction.INBOUND, provider_message_id__in=carriers).order_by("pk")}
    routed: dict[int, set[int]] = {m.pk: set() for m in stored.values()}
    for message_id, extension_id in Through.objects.filter(message_id__in=list(routed)).values_list(
            "message_id", "extension_id"):
        routed[message_id].add(extension_id)
    new: dict[str | int, Message] = {}
    for index, arrival in enumerate(arrivals):
        carrier_id = arrival.incoming.carrier_id
        if carrier_id and carrier_id in stored:
            arrival.message = stored[carrier_id]
        elif carrier_id and carrier_id in new:
            arrival.message = new[carrier_id]  # the group message's other event, in this same batch
        else:
            arrival.message, arrival.created = _new_message(arrival), True
            new[carrier_id or f"#{index}"] = arrival.message
    _thread_new(arrivals)
    for arrival in arrivals:
        if arrival.created:
            arrival.message.unrouted = not _routed_extensions(arrivals, arrival.message)
    Message.objects.bulk_create(list(new.values()))
    _store_media(arrivals)
    Through.objects.bulk_create(
        [Through(message_id=a.message.pk, extension_id=pk) for a in arrivals for pk in a.extension_ids],
        ignore_conflicts=True)
    changed = []
    for message in stored.values():
        now_routed = routed[message.pk] | _routed_extensions(arrivals, message)
        if message.unrouted == bool(now_routed):
            message.unrouted = not now_routed
            changed.append(message)
    if changed:
        Message.objects.bulk_update(changed, ["unrouted"])


def _routed_extensions(arrivals: list[_Arrival], message: Message) -> set[int]:
    return {pk for a in arrivals if a.message is message for pk in a.extension_ids}


def _new_message(arrival: _Arrival) -> Message:
    incoming = arrival.incoming
    segments = incoming.segments
    if segments is None:
        segments = min(count_segments(incoming.text).segments, payload.SMALLINT_MAX)
    return Message(
        direction=Message.Direction.INBOUND, status=Message.Status.RECEIVED, sms_configuration=arrival.configuration,
        from_number=incoming.sender[:16], to_numbers=[n[:16] for n in (incoming.to or [arrival.our_number])],
        text=incoming.text, segments=segments, provider_message_id=incoming.carrier_id,
    )


def _store_media(arrivals: list[_Arrival]) -> None:
    media = [MessageMedia(message=a.message, position=i, source_url=url)
             for a in arrivals if a.created for i, url in enumerate(a.incoming.media)]
    if media:
        MessageMedia.objects.bulk_create(media)
        dispatch.on_commit_each("messaging.download_media", [m.pk for m in media])


def _thread_new(arrivals: list[_Arrival]) -> None:
    """The conversations of the new messages, made if new (one INSERT) and found (one SELECT), set on the
    messages before they are inserted."""
    keys = {}
    for arrival in arrivals:
        if arrival.created:
            our = threads.our_number_of(arrival.message, received_on=arrival.our_number)
            keys[id(arrival.message)] = (our, threads.participants_of(arrival.message, our))
    if not keys:
        return
    unique = {(our, tuple(sorted(set(p)))) for our, p in keys.values()}
    Conversation.objects.bulk_create([Conversation(our_number=our, participants=list(p)) for our, p in unique],
                                     ignore_conflicts=True)
    wanted = Q()
    for our, participants in unique:
        wanted |= Q(our_number=our, participants=list(participants))
    found = {(c.our_number, tuple(c.participants)): c for c in Conversation.objects.filter(wanted)}
    for arrival in arrivals:
        if arrival.created and arrival.message.conversation_id is None:
            our, participants = keys[id(arrival.message)]
            arrival.message.conversation = found[(our, tuple(sorted(set(participants))))]


def _thread(arrivals: list[_Arrival]) -> None:
    """threads.join_conversation's rest, for the batch: extensions linked, the last message moved forward."""
    for arrival in arrivals:
        if arrival.message.conversation_id is None:  # stored earlier and never threaded: the general path
            threads.join_conversation(arrival.message, extensions=arrival.route.extensions,
                                      received_on=arrival.our_number)
    links = {(a.message.conversation_id, pk) for a in arrivals if a.message.conversation_id for pk in a.extension_ids}
    if links:
        Links.objects.bulk_create([Links(conversation_id=c, extension_id=e) for c, e in sorted(links)],
                                  ignore_conflicts=True)
    newest: dict[int, Message] = {}
    for arrival in arrivals:
        message = arrival.message
        best = newest.get(message.conversation_id)
        if best is None or (message.created_at, message.pk) > (best.created_at, best.pk):
            newest[message.conversation_id] = message
        live.message_changed(message)
    if not newest:
        return
    table = Conversation._meta.db_table
    values = ", ".join(["(%s::bigint, %s::bigint, %s::timestamptz)"] * len(newest))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS c SET last_message_id = v.message_id, last_message_at = v.at "
            f"FROM (VALUES {values}) AS v(conversation_id, message_id, at) WHERE c.id = v.conversation_id "
            "AND (c.last_message_at IS NULL OR c.last_message_at < v.at "
            "OR (c.last_message_at = v.at AND c.last_message_id < v.message_id))",
            [x for c, m in newest.items() for x in (c, m.pk, m.created_at)])


def _queue_notifications(arrivals: list[_Arrival]) -> None:
    """The mail task for each routed message someone is owed a mail about; one query tells when nobody in
    the batch's extensions asked for mail at all (the usual case)."""
    extension_ids = {pk for a in arrivals for pk in a.extension_ids}
    if not extension_ids:
        return
    asked = InboxPreference.objects.filter(email_on_inbound=True).values("user_id")
    if not ExtensionAssignment.objects.filter(extension_id__in=extension_ids, user__is_active=True,
                                              user_id__in=asked).exclude(user__email="").exists():
        return
    for arrival in arrivals:
        if arrival.extension_ids and notifications.anyone_owed(arrival.message):
            dispatch.on_commit("messaging.notify_inbound", arrival.message.pk)
