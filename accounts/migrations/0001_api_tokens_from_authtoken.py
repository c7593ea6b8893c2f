"""API tokens move from Django REST framework's table (plain keys) to accounts.ApiToken (knox: digests).

Each existing key becomes a knox row: the SHA-512 of the key as knox 5 computes it (knox.crypto.hash_token:
hashlib.sha512 over the key's bytes, hex) and its first 15 characters (knox's TOKEN_KEY_LENGTH) to find it by,
so clients holding a key keep working, until it expires API_TOKEN_TTL_DAYS after this migration. Then the old
table, the last place a plain key was kept, is dropped. A database that never had DRF's tokens has nothing to
move.
"""

import hashlib
import uuid
from datetime import timedelta

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

OLD_TABLE = "authtoken_token"
MOVED_LABEL = "Made before tokens expired"
KNOX_TOKEN_KEY_LENGTH = 15


def move_authtoken_keys(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    expiry = timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id, created FROM {OLD_TABLE}")
        rows = cursor.fetchall()
    ApiToken.objects.bulk_create([
        ApiToken(digest=hashlib.sha512(key.encode()).hexdigest(), token_key=key[:KNOX_TOKEN_KEY_LENGTH],
                 user_id=user_id, expiry=expiry, uid=uuid.uuid4(), label=MOVED_LABEL)
        for key, user_id, _created in rows
    ])
    # `created` is auto_now_add (bulk_create sets it to now): the old creation time is put back.
    for key, _user_id, created in rows:
        ApiToken.objects.filter(digest=hashlib.sha512(key.encode()).hexdigest()).update(created=created)
    schema_editor.execute(f"DROP TABLE {OLD_TABLE}")
    # Forget DRF's token migrations too: the app is no longer installed, and its table is gone.
    schema_editor.execute("DELETE FROM django_migrations WHERE app = 'authtoken'")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('digest', models.CharField(max_length=128, primary_key=True, serialize=False)),
                ('token_key', models.CharField(db_index=True, max_length=25)),
                ('created', models.DateTimeField(auto_now_add=True)),
                ('expiry', models.DateTimeField(blank=True, null=True)),
                ('uid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('label', models.CharField(blank=True, max_length=100)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='auth_token_set', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created'],
            },
        ),
        migrations.RunPython(move_authtoken_keys, migrations.RunPython.noop),
    ]
