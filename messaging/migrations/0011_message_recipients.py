"""Per-recipient delivery statuses: every outbound message stored before them gets one row per number
it was sent to, at the message's status (its recipients simply followed it until now)."""

import django.db.models.deletion
from django.db import migrations, models

BATCH = 2000


def make_recipients(apps, schema_editor):
    """One recipient row per outbound message and number, at the message's status (`unknown`: `sending`);
    a failed message's error goes to each of its recipients. Rows already there are left alone."""
    Message = apps.get_model("messaging", "Message")
    MessageRecipient = apps.get_model("messaging", "MessageRecipient")
    last = 0
    while True:
        batch = list(
            Message.objects.filter(pk__gt=last, direction="out").order_by("pk")
            .values("pk", "to_numbers", "status", "error_code", "error_description")[:BATCH]
        )
        if not batch:
            break
        last = batch[-1]["pk"]
        rows = []
        for message in batch:
            failed = message["status"] == "failed"
            for number in dict.fromkeys(message["to_numbers"]):
                rows.append(MessageRecipient(
                    message_id=message["pk"], number=number,
                    status="sending" if message["status"] == "unknown" else message["status"],
                    error_code=message["error_code"] if failed else None,
                    error_description=message["error_description"] if failed else "",
                ))
        MessageRecipient.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ('messaging', '0010_thread_existing_messages'),
    ]

    operations = [
        migrations.CreateModel(
            name='MessageRecipient',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(max_length=16)),
                ('status', models.CharField(choices=[('queued', 'Queued'), ('sending', 'Sending'), ('sent', 'Sent'), ('delivered', 'Delivered'), ('failed', 'Failed')], default='queued', max_length=10)),
                ('error_code', models.IntegerField(blank=True, null=True)),
                ('error_description', models.TextField(blank=True, help_text='Why it was not delivered, in plain words.')),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('message', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='recipients', to='messaging.message')),
            ],
            options={
                'ordering': ['message_id', 'id'],
                'constraints': [models.UniqueConstraint(fields=('message', 'number'), name='message_recipient_unique')],
            },
        ),
        migrations.RunPython(make_recipients, migrations.RunPython.noop),
    ]
