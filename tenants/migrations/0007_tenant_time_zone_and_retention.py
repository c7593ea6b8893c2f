from django.db import migrations, models


class Migration(migrations.Migration):
    """A tenant's time zone and retention periods; blank/NULL follow the settings (TIME_ZONE, RETENTION_*)."""

    dependencies = [
        ('tenants', '0006_webhookendpoint_callback_credentials'),
    ]

    operations = [
        migrations.AddField(
            model_name='tenant',
            name='retention_media_days',
            field=models.PositiveIntegerField(blank=True, help_text='MMS attachments are removed from storage after this many days (0 keeps them). Blank: default.', null=True, verbose_name='keep downloaded media (days)'),
        ),
        migrations.AddField(
            model_name='tenant',
            name='retention_message_days',
            field=models.PositiveIntegerField(blank=True, help_text='Messages are deleted after this many days (0 keeps them). Blank: default.', null=True, verbose_name='keep messages (days)'),
        ),
        migrations.AddField(
            model_name='tenant',
            name='retention_payload_days',
            field=models.PositiveIntegerField(blank=True, help_text='Handled callbacks are deleted after this many days (at least 2; 0 keeps them). Blank: default.', null=True, verbose_name='keep webhook payloads (days)'),
        ),
        migrations.AddField(
            model_name='tenant',
            name='time_zone',
            field=models.CharField(blank=True, help_text="Times on this tenant's screens. Blank: the portal's default.", max_length=64),
        ),
    ]
