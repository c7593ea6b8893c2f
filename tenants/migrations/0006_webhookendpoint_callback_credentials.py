from django.db import migrations, models


class Migration(migrations.Migration):
    """The callback credentials' username and keyed hash on the webhook's public row. Existing rows stay NULL
    here (the webhook then checks against the configuration); messaging's migration 0013 fills them from each
    tenant's configurations."""

    dependencies = [
        ("tenants", "0005_membership_role_extension"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhookendpoint",
            name="callback_username",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="webhookendpoint",
            name="callback_credentials_hash",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
    ]
