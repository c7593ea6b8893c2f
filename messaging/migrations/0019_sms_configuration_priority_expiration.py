from django.db import migrations, models


class Migration(migrations.Migration):
    # Issue 14 (i6): numbered 0019 as briefed; the lead re-chains the dependency on merge.
    dependencies = [
        ("messaging", "0018_compliance_keywords"),
    ]

    operations = [
        migrations.AddField(
            model_name="smsconfiguration",
            name="priority",
            field=models.CharField(
                blank=True, choices=[("default", "Default"), ("high", "High (reserve for critical messages)")],
                default="", max_length=8, verbose_name="Priority",
            ),
        ),
        migrations.AddField(
            model_name="smsconfiguration",
            name="expiration_minutes",
            field=models.PositiveIntegerField(blank=True, default=0, verbose_name="Expire after (minutes)"),
        ),
    ]
