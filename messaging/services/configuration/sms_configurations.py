"""Message Channel > SMS/MMS: create, change, delete configurations, their webhook URLs, and checking
their Bandwidth credentials."""

import re
import secrets
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from messaging import dispatch
from messaging.bandwidth.auth import Credentials, account_id_problem
from messaging.bandwidth.client import BandwidthClient
from messaging.bandwidth.errors import BandwidthError
from messaging.models import SmsConfiguration, Trunk
from messaging.numbers import InvalidNumber, is_short_code, to_e164
from messaging.services.configuration import audit
from portal.urls_helpers import absolute_url
from tenants.models import Tenant, WebhookEndpoint

WEBHOOK_TOKEN_BYTES = 32  # 256 bits, well over the 128 asked for
CALLBACK_USERNAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
CALLBACK_PASSWORD_MIN = 12

WRITABLE_FIELDS = (
    "name", "trunk", "sender_id", "account_id", "application_id", "auth_type", "username",
    "password", "callback_username", "callback_password", "enabled",
)


def _current_tenant() -> Tenant:
    return connection.tenant


def legacy_is_retired() -> bool:
    return timezone.localdate() >= settings.BANDWIDTH_LEGACY_CUTOFF


def _sender_problem(sender_id: str, trunk: Trunk | None) -> tuple[str, str | None]:
    """The normalised sender ID and why it cannot be used, if so."""
    if not sender_id:
        if trunk is not None and not trunk.numbers.exists():
            return "", (
                f"The trunk “{trunk.name}” has no DID: enter a Sender ID, or add a DID to the trunk first."
            )
        return "", None
    if is_short_code(sender_id):
        return sender_id.strip(), None
    try:
        return to_e164(sender_id), None
    except InvalidNumber as exc:
        return sender_id, f"{exc} A Sender ID is a number in E.164 or a 5–6 digit short code."


def _validate(data: dict, *, existing: SmsConfiguration | None) -> dict:
    """Check every business rule; return the cleaned values or raise ValidationError by field."""
    problems: dict[str, str] = {}
    cleaned = dict(data)
    name = (data.get("name") or "").strip()
    cleaned["name"] = name
    if not name:
        problems["name"] = "Enter a name."
    elif len(name) > 64:
        problems["name"] = "Use at most 64 characters."
    elif SmsConfiguration.objects.filter(name__iexact=name).exclude(pk=getattr(existing, "pk", None)).exists():
        problems["name"] = f"A configuration named “{name}” already exists in this tenant."

    trunk = data.get("trunk")
    if not isinstance(trunk, Trunk):
        problems["trunk"] = "Choose one of this tenant's Bandwidth trunks."
        trunk = None
    cleaned["sender_id"], sender_problem = _sender_problem((data.get("sender_id") or "").strip(), trunk)
    if sender_problem:
        problems["sender_id"] = sender_problem

    cleaned["account_id"] = (data.get("account_id") or "").strip()
    if problem := account_id_problem(cleaned["account_id"]):
        problems["account_id"] = problem

    cleaned["application_id"] = (data.get("application_id") or "").strip().lower()
    try:
        uuid.UUID(cleaned["application_id"])
    except ValueError:
        problems["application_id"] = (
            "The Application ID is the ID of the messaging application in the Bandwidth App, "
            "a UUID such as 93de2206-9669-4e07-948d-329f4b722ee2."
        )

    auth_type = data.get("auth_type") or SmsConfiguration.AuthType.OAUTH
    cleaned["auth_type"] = auth_type
    if auth_type not in SmsConfiguration.AuthType.values:
        problems["auth_type"] = "Choose API credentials (OAuth) or legacy API user."
    elif auth_type == SmsConfiguration.AuthType.LEGACY and legacy_is_retired():
        problems["auth_type"] = (
            f"Bandwidth stopped accepting legacy API users on {settings.BANDWIDTH_LEGACY_CUTOFF:%B %-d, %Y}. "
            "Create API credentials (a Client ID and Client Secret) in the Bandwidth App under "
            "Account ▸ API Credentials, then choose API credentials (OAuth) here."
        )

    cleaned["username"] = (data.get("username") or "").strip()
    if not cleaned["username"]:
        problems["username"] = "Enter the Client ID (or, for a legacy API user, its username)."
    submitted_secret = data.get("password") or ""
    if not submitted_secret and not (existing and existing.password):
        problems["password"] = "Enter the Client Secret (or, for a legacy API user, its password)."  # noqa: S105
    cleaned["password"] = submitted_secret or (existing.password if existing else "")

    _validate_callback_credentials(data, existing, cleaned, problems)
    cleaned["enabled"] = bool(data.get("enabled", True))
    if problems:
        raise ValidationError({field: [message] for field, message in problems.items()})
    return cleaned


def _validate_callback_credentials(data, existing, cleaned, problems) -> None:
    username = (data.get("callback_username") or "").strip()
    password = data.get("callback_password") or ""
    cleaned["callback_username"] = username
    if not username:
        if password:
            problems["callback_username"] = "Enter a callback username to go with the callback password."
        cleaned["callback_password"] = ""
        return
    if not CALLBACK_USERNAME.match(username):
        problems["callback_username"] = "Use up to 64 letters, digits, dots, hyphens or underscores."
    if not password and existing and existing.callback_password:
        cleaned["callback_password"] = existing.callback_password
    elif len(password) < CALLBACK_PASSWORD_MIN:
        problems["callback_password"] = (
            f"Use at least {CALLBACK_PASSWORD_MIN} characters (press Generate for a strong one)."
        )
    else:
        cleaned["callback_password"] = password


def find_problems(*, data: dict, configuration: SmsConfiguration | None = None) -> dict[str, list[str]]:
    """Every rule the data breaks, by field, without saving anything (to show all errors at once)."""
    try:
        _validate(data, existing=configuration)
    except ValidationError as exc:
        return exc.message_dict
    return {}


def create_configuration(*, user, data: dict) -> SmsConfiguration:
    """Create an SMS configuration and its webhook URL.

    Raises ValidationError (a dict by field) when any value breaks a rule.
    """
    cleaned = _validate(data, existing=None)
    with transaction.atomic():
        configuration = SmsConfiguration.objects.create(**{f: cleaned[f] for f in WRITABLE_FIELDS})
        WebhookEndpoint.objects.create(
            token=_new_token(), tenant=_current_tenant(), configuration_id=configuration.pk
        )
        audit.record_change(
            user=user, action="create", instance=configuration,
            changes=audit.changed_fields({}, _audited(configuration)),
        )
    return configuration


def update_configuration(*, user, configuration: SmsConfiguration, data: dict) -> SmsConfiguration:
    """Apply a change. A blank password or callback password keeps the stored one.

    Raises ValidationError by field; nothing is saved then.
    """
    before = _audited(configuration)
    was_enabled = configuration.enabled
    cleaned = _validate(data, existing=configuration)
    changed_secrets = [
        name for name in SmsConfiguration.SECRET_FIELDS
        if cleaned[name] != getattr(configuration, name)
    ]
    for field in WRITABLE_FIELDS:
        setattr(configuration, field, cleaned[field])
    with transaction.atomic():
        configuration.save()
        audit.record_change(
            user=user, action="update", instance=configuration,
            changes=audit.changed_fields(before, _audited(configuration), changed_secrets=changed_secrets),
        )
        if configuration.enabled and not was_enabled:
            # Callbacks kept while it was disabled are processed now.
            dispatch.on_commit("messaging.process_waiting_callbacks", configuration.pk)
    return configuration


def delete_configuration(*, user, configuration: SmsConfiguration) -> None:
    """Delete the configuration; its webhook URL stops working at once."""
    with transaction.atomic():
        WebhookEndpoint.objects.filter(tenant=_current_tenant(), configuration_id=configuration.pk).delete()
        audit.record_change(user=user, action="delete", instance=configuration, changes={})
        configuration.delete()


def rotate_webhook_token(*, user, configuration: SmsConfiguration) -> WebhookEndpoint:
    """Give the configuration a new webhook URL; the old one answers 404 from now on."""
    with transaction.atomic():
        endpoint, _ = WebhookEndpoint.objects.select_for_update().get_or_create(
            tenant=_current_tenant(), configuration_id=configuration.pk, defaults={"token": _new_token()}
        )
        endpoint.token = _new_token()
        endpoint.save(update_fields=["token"])
        audit.record_change(
            user=user, action="action", instance=configuration, changes={"webhook_url": ["", "regenerated"]}
        )
    return endpoint


def webhook_url(configuration: SmsConfiguration) -> str:
    endpoint = WebhookEndpoint.objects.filter(
        tenant=_current_tenant(), configuration_id=configuration.pk
    ).only("token").first()
    return absolute_url(endpoint.path) if endpoint else ""


def webhook_urls() -> dict[int, str]:
    """Every configuration's webhook URL in this tenant, by configuration id (one query for a list)."""
    return {
        endpoint.configuration_id: absolute_url(endpoint.path)
        for endpoint in WebhookEndpoint.objects.filter(tenant=_current_tenant()).only("token", "configuration_id")
    }


def generate_callback_credentials() -> dict[str, str]:
    """A username and a strong password to set as the callback credentials at Bandwidth and here."""
    return {"username": "bw-" + secrets.token_hex(4), "password": secrets.token_urlsafe(24)}


def credentials_of(configuration: SmsConfiguration) -> Credentials:
    return Credentials(
        account_id=configuration.account_id,
        username=configuration.username,
        password=configuration.password,
        auth_type=configuration.auth_type,
    )


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    message: str


def check_connection(*, configuration: SmsConfiguration) -> ConnectionCheck:
    """Authenticate the way sending will and make a cheap authenticated call on the account.

    Never raises for Bandwidth's answers: the result says, in plain words, what happened.
    """
    if configuration.legacy_stopped_working:
        return ConnectionCheck(False, _legacy_retired_message())
    try:
        BandwidthClient(credentials_of(configuration)).check_connection()
    except BandwidthError as exc:
        return ConnectionCheck(False, exc.user_message)
    how = "API credentials (OAuth token issued)" if not configuration.is_legacy else "legacy API user"
    return ConnectionCheck(True, f"Connected: Bandwidth accepted the {how} for account {configuration.account_id}.")


def _legacy_retired_message() -> str:
    return (
        f"Legacy API users stopped working at Bandwidth on {settings.BANDWIDTH_LEGACY_CUTOFF:%B %-d, %Y}. "
        "Create API credentials in the Bandwidth App (Account ▸ API Credentials) and switch this "
        "configuration to API credentials (OAuth)."
    )


def _new_token() -> str:
    return secrets.token_urlsafe(WEBHOOK_TOKEN_BYTES)


def _audited(configuration: SmsConfiguration) -> dict:
    return audit.snapshot(configuration, secret_fields=SmsConfiguration.SECRET_FIELDS)
