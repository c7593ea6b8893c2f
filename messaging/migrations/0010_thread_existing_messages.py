"""Every message stored before conversations existed joins its conversation (the rule of
messaging.services.conversations.threads, restated here on the historical models, as a migration must)."""

from django.db import migrations

BATCH = 2000


def thread_messages(apps, schema_editor):
    Message = apps.get_model("messaging", "Message")
    Conversation = apps.get_model("messaging", "Conversation")
    PhoneNumber = apps.get_model("messaging", "PhoneNumber")
    Links = Conversation.extensions.through
    Routed = Message.routed_to.through
    ours = set(PhoneNumber.objects.values_list("number", flat=True))
    conversations: dict[tuple[str, tuple[str, ...]], int] = {}
    last = 0
    while True:
        batch = list(Message.objects.filter(pk__gt=last, conversation__isnull=True).order_by("pk")[:BATCH])
        if not batch:
            break
        last = batch[-1].pk
        routed: dict[int, list[int]] = {}
        for message_id, extension_id in Routed.objects.filter(message_id__in=[m.pk for m in batch]).values_list(
                "message_id", "extension_id"):
            routed.setdefault(message_id, []).append(extension_id)
        links = []
        for message in batch:
            if message.direction == "out":
                our = message.from_number
                extensions = [message.extension_id] if message.extension_id else []
            else:
                our = next((n for n in message.to_numbers if n in ours), message.to_numbers[0] if message.to_numbers else "")
                extensions = routed.get(message.pk, [])
            participants = tuple(sorted({message.from_number, *message.to_numbers} - {our}) or [our])
            key = (our, participants)
            if key not in conversations:
                conversation, _ = Conversation.objects.get_or_create(our_number=our, participants=list(participants))
                conversations[key] = conversation.pk
            conversation_id = conversations[key]
            Message.objects.filter(pk=message.pk).update(conversation_id=conversation_id)
            links += [Links(conversation_id=conversation_id, extension_id=pk) for pk in extensions]
        Links.objects.bulk_create(links, ignore_conflicts=True)
    for conversation in Conversation.objects.filter(last_message__isnull=True):
        newest = Message.objects.filter(conversation_id=conversation.pk).order_by("-created_at", "-id").first()
        if newest is not None:
            Conversation.objects.filter(pk=conversation.pk).update(last_message=newest,
                                                                    last_message_at=newest.created_at)


class Migration(migrations.Migration):
    dependencies = [("messaging", "0009_conversations")]

    operations = [migrations.RunPython(thread_messages, migrations.RunPython.noop)]
