"""Fill the public webhook rows' copy of the callback credentials (tenants 0006) from this tenant's SMS
configurations, so existing webhooks check callbacks with one lookup from the first request on.

Runs in each tenant schema (messaging is a tenant app) and writes public.tenants_webhookendpoint. Rows it does
not fill (none should be left) stay NULL and the webhook checks those callbacks against the configuration.
"""

from django.db import migrations

from messaging.services.configuration.callback_credentials import endpoint_fields


def fill_endpoint_credentials(apps, schema_editor):
    connection = schema_editor.connection
    SmsConfiguration = apps.get_model("messaging", "SmsConfiguration")
    configurations = SmsConfiguration.objects.using(connection.alias).values_list(
        "pk", "callback_username", "callback_password"
    )
    with connection.cursor() as cursor:
        for pk, username, password in configurations:
            fields = endpoint_fields(username=username, password=password)
            cursor.execute(
                "UPDATE public.tenants_webhookendpoint SET callback_username = %s, callback_credentials_hash = %s "
                "WHERE configuration_id = %s "
                "AND tenant_id = (SELECT id FROM public.tenants_tenant WHERE schema_name = %s)",
                [fields["callback_username"], fields["callback_credentials_hash"], pk, connection.schema_name],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0012_notification_sent"),
        ("tenants", "0006_webhookendpoint_callback_credentials"),
    ]

    operations = [
        migrations.RunPython(fill_endpoint_credentials, migrations.RunPython.noop, elidable=True),
    ]
