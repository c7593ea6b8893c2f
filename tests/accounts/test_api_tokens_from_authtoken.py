"""accounts 0001: keys of Django REST framework's token table keep working as knox tokens, and the plain keys are
gone from the database afterwards."""

import hashlib
import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken

pytestmark = pytest.mark.django_db
moving = importlib.import_module("accounts.migrations.0001_api_tokens_from_authtoken")
OLD_KEY = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"  # the shape of DRF's keys: 40 hex characters


def test_an_old_key_keeps_working_and_the_old_table_is_dropped(admin_a, settings):
    created = timezone.now() - timedelta(days=400)
    with connection.cursor() as cursor:  # the table as rest_framework.authtoken's migrations left it
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamptz NOT NULL, "
                       "user_id integer NOT NULL UNIQUE)")
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, %s, %s)", [OLD_KEY, created, admin_a.pk])
    with connection.schema_editor() as editor:
        moving.move_authtoken_keys(apps, editor)

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {OLD_KEY}")
    assert client.get("/t/acme/api/v1/me/").json()["username"] == "admin_a"
    token = ApiToken.objects.get(user=admin_a)
    assert token.digest == hashlib.sha512(OLD_KEY.encode()).hexdigest()
    assert token.created == created
    assert token.expiry > timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS - 1)
    assert "authtoken_token" not in connection.introspection.table_names()


def test_a_database_without_the_old_table_has_nothing_to_move(admin_a):
    with connection.schema_editor() as editor:
        moving.move_authtoken_keys(apps, editor)
    assert not ApiToken.objects.exists()
