from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('messaging', '0013_webhook_endpoint_callback_credentials'),
    ]

    operations = [
        migrations.AddField(
            model_name='webhookevent',
            name='claimed_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name='webhookevent',
            index=models.Index(condition=models.Q(('processed_at__isnull', True)), fields=['id'],
                               name='webhook_event_pending'),
        ),
    ]
