"""Message Channel > SMS/MMS: create, change, delete configurations, their webhook URLs, and checking
their Bandwidth credentials."""

import re
import secrets
import uuid
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import ProtectedError

from messaging import dispatch
from messaging.bandwidth.auth import Credentials, account_id_problem
from messaging.bandwidth.client import BandwidthClient
from messaging.bandwidth.errors import BandwidthError
from messaging.exceptions import ConfigurationInUse, ConfigurationInvalid
from messaging.models import SmsConfiguration, Trunk
from messaging.numbers import InvalidNumber, normalise_sender_id
from messaging.services.configuration import audit, callback_credentials
from portal.urls_helpers import absolute_url
from tenants.models import Tenant, WebhookEndpoint

WEBHOOK_TOKEN_BYTES = 32  # 256 bits, well over the 128 asked for
CALLBACK_USERNAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
CALLBACK_PASSWORD_MIN = 12

WRITABLE_FIELDS = (
    "name", "trunk", "sender_id", "account_id", "application_id", "auth_type", "username",
    "password", "callback_username", "callback_password", "enabled", "priority", "expiration_minutes",
)
# What create_configuration assumes for a value check_configuration is not given.
CREATE_DEFAULTS = {
    "name": "", "trunk": None, "sender_id": "", "account_id": "", "application_id": "",
    "auth_type": SmsConfiguration.AuthType.OAUTH, "username": "", "password": "", "callback_username": "",
    "callback_password": "", "enabled": True, "priority": "", "expiration_minutes": 0,
}


def _current_tenant() -> Tenant:
    return connection.tenant


def create_configuration(
    *,
    user,
    name: str,
    trunk: Trunk | None,
    sender_id: str = "",
    account_id: str,
    application_id: str,
    auth_type: str = SmsConfiguration.AuthType.OAUTH,
    username: str,
    password: str,
    callback_username: str = "",
    callback_password: str = "",
    enabled: bool = True,
    priority: str = "",
    expiration_minutes: int = 0,
) -> SmsConfiguration:
    """Create an SMS configuration and its webhook URL, and audit it.

    An empty `sender_id` means the trunk's first DID; an alphanumeric one must follow Bandwidth's rule
    (messaging.numbers). An empty `priority` and `expiration_minutes` 0 send neither to Bandwidth.
    Raises ConfigurationInvalid with every broken rule at once, by field, in `fields`; nothing is written then.
    """
    cleaned = _clean(
        {
            "name": name, "trunk": trunk, "sender_id": sender_id, "account_id": account_id,
            "application_id": application_id, "auth_type": auth_type, "username": username, "password": password,
            "callback_username": callback_username, "callback_password": callback_password, "enabled": enabled,
            "priority": priority, "expiration_minutes": expiration_minutes,
        },
        existing=None,
    )
    with transaction.atomic():
        configuration = SmsConfiguration.objects.create(**cleaned)
        WebhookEndpoint.objects.create(
            token=_new_token(), tenant=_current_tenant(), configuration_id=configuration.pk,
            **_endpoint_credentials(configuration),
        )
        audit.record_change(
            user=user, action="create", instance=configuration,
            changes=audit.changed_fields({}, _audited(configuration)),
        )
    return configuration


def update_configuration(
    *,
    user,
    configuration: SmsConfiguration,
    name: str | None = None,
    trunk: Trunk | None = None,
    sender_id: str | None = None,
    account_id: str | None = None,
    application_id: str | None = None,
    auth_type: str | None = None,
    username: str | None = None,
    password: str | None = None,
    callback_username: str | None = None,
    callback_password: str | None = None,
    enabled: bool | None = None,
    priority: str | None = None,
    expiration_minutes: int | None = None,
) -> SmsConfiguration:
    """Change what is given (None = unchanged). A blank password or callback password keeps the stored
    one; an empty callback username removes the callback credentials.

    Audits the changed fields (secrets redacted). Enabling it processes the callbacks kept while it was
    disabled. Raises ConfigurationInvalid with every broken rule at once, like create_configuration;
    nothing is saved then.
    """
    before = _audited(configuration)
    was_enabled = configuration.enabled
    cleaned = _clean(
        _with_stored(
            configuration,
            {
                "name": name, "trunk": trunk, "sender_id": sender_id, "account_id": account_id,
                "application_id": application_id, "auth_type": auth_type, "username": username,
                "password": password, "callback_username": callback_username,
                "callback_password": callback_password, "enabled": enabled,
                "priority": priority, "expiration_minutes": expiration_minutes,
            },
        ),
        existing=configuration,
    )
    changed_secrets = [
        name for name in SmsConfiguration.SECRET_FIELDS
        if cleaned[name] != getattr(configuration, name)
    ]
    for field, value in cleaned.items():
        setattr(configuration, field, value)
    with transaction.atomic():
        configuration.save()
        # The webhook checks callbacks against this copy: it changes with the configuration or not at all.
        WebhookEndpoint.objects.filter(tenant=_current_tenant(), configuration_id=configuration.pk).update(
            **_endpoint_credentials(configuration)
        )
        audit.record_change(
            user=user, action="update", instance=configuration,
            changes=audit.changed_fields(before, _audited(configuration), changed_secrets=changed_secrets),
        )
        if configuration.enabled and not was_enabled:
            # Callbacks kept while it was disabled are processed now.
            dispatch.on_commit("messaging.process_waiting_callbacks", configuration.pk)
    return configuration


def check_configuration(*, configuration: SmsConfiguration | None = None, **values) -> None:
    """Check the keyword arguments of create_configuration (or, with `configuration`, of
    update_configuration) without saving anything, so that a screen whose form already refused some
    field still shows every other problem at once. A value not given counts as empty (as unchanged
    with `configuration`).

    Raises ConfigurationInvalid like them.
    """
    unknown = set(values) - set(WRITABLE_FIELDS)
    if unknown:
        raise TypeError(f"check_configuration() got unexpected keyword arguments {sorted(unknown)}")
    if configuration is None:
        _clean(CREATE_DEFAULTS | values, existing=None)
    else:
        _clean(_with_stored(configuration, values), existing=configuration)


def _with_stored(configuration: SmsConfiguration, given: dict) -> dict:
    # A secret left out is "" (keep the stored one); anything else left out is the stored value.
    return {
        field: given.get(field) if given.get(field) is not None
        else ("" if field in SmsConfiguration.SECRET_FIELDS else getattr(configuration, field))
        for field in WRITABLE_FIELDS
    }


def _clean(values: dict, *, existing: SmsConfiguration | None) -> dict:
    """Every business rule at once: the values to store, or ConfigurationInvalid with every problem."""
    problems: dict[str, str] = {}
    cleaned = {"enabled": bool(values["enabled"])}
    cleaned["name"] = name = (values["name"] or "").strip()
    if not name:
        problems["name"] = "Enter a name."
    elif len(name) > 64:
        problems["name"] = "Use at most 64 characters."
    elif SmsConfiguration.objects.filter(name__iexact=name).exclude(pk=getattr(existing, "pk", None)).exists():
        problems["name"] = f"A configuration named “{name}” already exists in this tenant."

    trunk = values["trunk"]
    if not isinstance(trunk, Trunk):
        problems["trunk"] = "Choose one of this tenant's Bandwidth trunks."
        trunk = None
    cleaned["trunk"] = trunk
    cleaned["sender_id"], sender_problem = _clean_sender_id(values["sender_id"] or "", trunk)
    if sender_problem:
        problems["sender_id"] = sender_problem

    cleaned["account_id"] = (values["account_id"] or "").strip()
    if problem := account_id_problem(cleaned["account_id"]):
        problems["account_id"] = problem

    cleaned["application_id"] = (values["application_id"] or "").strip().lower()
    try:
        uuid.UUID(cleaned["application_id"])
    except ValueError:
        problems["application_id"] = (
            "The Application ID is the ID of the messaging application in the Bandwidth App, "
            "a UUID such as 93de2206-9669-4e07-948d-329f4b722ee2."
        )

    cleaned["auth_type"] = auth_type = values["auth_type"] or SmsConfiguration.AuthType.OAUTH
    if auth_type not in SmsConfiguration.AuthType.values:
        problems["auth_type"] = "Choose API credentials (OAuth) or legacy API user."
    elif auth_type == SmsConfiguration.AuthType.LEGACY and SmsConfiguration.legacy_users_retired():
        problems["auth_type"] = SmsConfiguration.legacy_cutoff_notice()

    cleaned["username"] = (values["username"] or "").strip()
    if not cleaned["username"]:
        problems["username"] = "Enter the Client ID (or, for a legacy API user, its username)."
    submitted_secret = values["password"] or ""
    if not submitted_secret and not (existing and existing.password):
        problems["password"] = "Enter the Client Secret (or, for a legacy API user, its password)."  # noqa: S105
    cleaned["password"] = submitted_secret or (existing.password if existing else "")

    _clean_callback_credentials(values, existing, cleaned, problems)
    _clean_sending_options(values, cleaned, problems)
    if problems:
        raise ConfigurationInvalid(fields={field: [message] for field, message in problems.items()})
    return cleaned


def _clean_sender_id(sender_id: str, trunk: Trunk | None) -> tuple[str, str | None]:
    """The normalised sender ID and why it cannot be used, if so."""
    if not sender_id.strip():
        if trunk is not None and not trunk.numbers.exists():
            return "", (
                f"The trunk “{trunk.name}” has no DID: enter a Sender ID, or add a DID to the trunk first."
            )
        return "", None
    try:
        return normalise_sender_id(sender_id, alphanumeric=True), None
    except InvalidNumber as exc:
        return sender_id, str(exc)


def _clean_sending_options(values, cleaned, problems) -> None:
    cleaned["priority"] = priority = values["priority"] or ""
    if priority and priority not in SmsConfiguration.Priority.values:
        problems["priority"] = "Choose default or high priority, or leave it empty for Bandwidth's default."
    minutes = values["expiration_minutes"] or 0
    cleaned["expiration_minutes"] = minutes
    limit = SmsConfiguration.EXPIRATION_MINUTES_MAX
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= limit:
        problems["expiration_minutes"] = f"Enter whole minutes from 1 to {limit} (7 days), or 0 for no expiration."


def _clean_callback_credentials(values, existing, cleaned, problems) -> None:
    username = (values["callback_username"] or "").strip()
    password = values["callback_password"] or ""
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


def delete_configuration(*, user, configuration: SmsConfiguration) -> None:
    """Delete the configuration; its webhook URL stops working at once.

    Raises ConfigurationInUse naming the outbound rules that send through it; nothing is deleted then.
    """
    rules = list(configuration.outbound_rules.order_by("order", "name").values_list("name", flat=True))
    if rules:
        raise _in_use(configuration, rules)
    try:
        with transaction.atomic():
            WebhookEndpoint.objects.filter(tenant=_current_tenant(), configuration_id=configuration.pk).delete()
            audit.record_change(user=user, action="delete", instance=configuration, changes={})
            configuration.delete()
    except ProtectedError as exc:
        # A rule took the configuration between the check and the delete.
        raise _in_use(configuration, sorted(obj.name for obj in exc.protected_objects)) from exc


def _in_use(configuration: SmsConfiguration, names: list[str]) -> ConfigurationInUse:
    quoted = ", ".join(f"“{name}”" for name in names)
    holders, them = (f"Outbound rule {quoted} sends", "it") if len(names) == 1 else (
        f"Outbound rules {quoted} send", "them")
    return ConfigurationInUse(
        f"{holders} through “{configuration.name}”: point {them} at another SMS configuration or delete "
        f"{them} first; nothing was deleted."
    )


def rotate_webhook_token(*, user, configuration: SmsConfiguration) -> WebhookEndpoint:
    """Give the configuration a new webhook URL; the old one answers 404 from now on."""
    with transaction.atomic():
        endpoint, _ = WebhookEndpoint.objects.select_for_update().get_or_create(
            tenant=_current_tenant(), configuration_id=configuration.pk, defaults={"token": _new_token()}
        )
        endpoint.token = _new_token()
        for field, value in _endpoint_credentials(configuration).items():
            setattr(endpoint, field, value)
        endpoint.save(update_fields=["token", "callback_username", "callback_credentials_hash"])
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
        return ConnectionCheck(False, configuration.legacy_cutoff_notice())
    try:
        BandwidthClient(credentials_of(configuration)).check_connection()
    except BandwidthError as exc:
        return ConnectionCheck(False, exc.user_message)
    how = "API credentials (OAuth token issued)" if not configuration.is_legacy else "legacy API user"
    return ConnectionCheck(True, f"Connected: Bandwidth accepted the {how} for account {configuration.account_id}.")


def _endpoint_credentials(configuration: SmsConfiguration) -> dict[str, str]:
    return callback_credentials.endpoint_fields(
        username=configuration.callback_username, password=configuration.callback_password
    )


def _new_token() -> str:
    return secrets.token_urlsafe(WEBHOOK_TOKEN_BYTES)


def _audited(configuration: SmsConfiguration) -> dict:
    return audit.snapshot(configuration, secret_fields=SmsConfiguration.SECRET_FIELDS)
