"""Connect to Bandwidth, the drift check and Repair (issue 14, "Connect and keep connected").

Connect writes the configuration's messaging application at Bandwidth (name, webhook URL, NEW callback
credentials, the status callback types), assigns it to the location (site and SIP peer) holding the trunk's numbers,
and stores the Application ID, the new credentials and the location here. The drift check reads the application
and the location back and lists what differs; Repair is Connect again with the stored location.

The order of Connect, and why (docs/operations.md, "Connect to Bandwidth and the drift check"):
1. Everything that can be refused without changing anything comes first: the configuration's own rules with the
   new credentials (check_configuration), the location (read-only calls), the existing application (GET).
2. Bandwidth's application is written with the new credentials, THEN the same credentials are saved here (the
   configuration and the webhook row's hash in one transaction). Bandwidth's call is the one likely to fail (a
   missing role, an outage), and when it fails nothing changed anywhere: the old credentials keep working. The
   local save, already checked in step 1, is the one unlikely to fail. Between the two, callbacks signed with the
   new credentials get a 401 for a few milliseconds, and Bandwidth retries them for 24 hours.
   If our save fails after all, or Bandwidth's answer is lost after it applied the change, the two sides hold
   different credentials: since every Connect also makes a NEW random callback username, the drift check sees
   Bandwidth's UserId differ from ours and shows it, and Repair sets both again.
3. The application is assigned to the location last: the Application ID is already stored, so a failure there
   leaves no orphan application (Connect again updates the same one).
"""

from __future__ import annotations

import logging
import re
import uuid
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from messaging.bandwidth import applications as bw
from messaging.bandwidth.account_api import AccountApi
from messaging.bandwidth.errors import BandwidthError
from messaging.exceptions import BandwidthRefused, ConfigurationInvalid, ConnectionNotAllowed, LocationNeeded
from messaging.models import SmsConfiguration
from messaging.services.configuration import audit, sms_configurations
from portal.urls_helpers import unreachable_by

logger = logging.getLogger(__name__)

# Numbers.yml names no maximum for AppName; the portal keeps names to 50 characters, which every Bandwidth App
# screen shows whole.
APP_NAME_MAX = 50
LOCATION_ID = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
CONNECT_LOCK_SECONDS = 120


def connect(config: SmsConfiguration, *, actor, site_id: str | None = None,
            sip_peer_id: str | None = None) -> SmsConfiguration:
    """Create or update the configuration's messaging application at Bandwidth with new callback credentials and
    assign it to a location; store the Application ID, the credentials (encrypted) and the location; audit it.

    Without `site_id`/`sip_peer_id` the location is the one SIP peer holding the trunk's numbers. Raises
    LocationNeeded (none or several hold them; `locations` to choose from), ConfigurationInvalid (a bad or unknown
    site/SIP peer), ConnectionNotAllowed, BandwidthRefused (Bandwidth's refusal in plain words).
    """
    location_given = _clean_location(site_id, sip_peer_id)
    _check_allowed(config)
    lock = f"bandwidth-connect:{connection.schema_name}:{config.pk}"
    if not cache.add(lock, "1", CONNECT_LOCK_SECONDS):
        raise ConnectionNotAllowed("Connect to Bandwidth is already running for this configuration; wait a moment.")
    try:
        return _connect(config, actor=actor, location_given=location_given)
    finally:
        cache.delete(lock)


def repair(config: SmsConfiguration, *, actor) -> SmsConfiguration:
    """Write the application and the location's assignment again, as Connect did (new callback credentials too).

    Raises ConnectionNotAllowed when the configuration was never connected, and what connect raises.
    """
    if not (config.bandwidth_site_id and config.bandwidth_sip_peer_id):
        raise ConnectionNotAllowed("This configuration was never connected to Bandwidth: use Connect to Bandwidth.")
    return connect(config, actor=actor, site_id=config.bandwidth_site_id, sip_peer_id=config.bandwidth_sip_peer_id)


def _connect(config: SmsConfiguration, *, actor, location_given: tuple[str, str] | None) -> SmsConfiguration:
    generated = sms_configurations.generate_callback_credentials()
    user, password = generated["username"], generated["password"]
    # Step 1: our own rules with the new values, before Bandwidth is touched.
    sms_configurations.check_configuration(
        configuration=config, application_id=config.application_id or str(uuid.uuid4()),
        callback_username=user, callback_password=password,
    )
    api = AccountApi(sms_configurations.credentials_of(config))
    with _bandwidth_refusal():
        location, missing = _chosen_location(api, config, location_given)
        existing = _existing_application(api, config.application_id)
    spec = bw.ApplicationSpec(
        name=application_name(config), callback_url=sms_configurations.webhook_url(config),
        callback_user=user, callback_password=password,
    )
    # Step 2: Bandwidth first, then here (the module's docstring says why).
    with _bandwidth_refusal():
        if existing:
            app_id = bw.update_application(api, config.application_id, spec)
        else:
            app_id = bw.create_application(api, spec)
    # One transaction: the configuration, the webhook row's hash and the audit entry (update_configuration).
    sms_configurations.update_configuration(
        user=actor, configuration=config, application_id=app_id, callback_username=user, callback_password=password,
    )
    # Step 3: the location.
    with _bandwidth_refusal(prefix=(
        f"The messaging application {app_id} was written and its new callback credentials are stored, but it "
        f"could not be assigned to {location.label}: "
    )):
        bw.assign_messaging_application(api, location.site_id, location.sip_peer_id, app_id)
    now = timezone.now()
    config.bandwidth_site_id, config.bandwidth_sip_peer_id = location.site_id, location.sip_peer_id
    # The drift check has not looked at the new application yet; only what the search saw is known.
    config.connected_at, config.drift_checked_at = now, None
    config.drift, config.drift_error = _numbers_drift(config, location, missing), ""
    with transaction.atomic():
        config.save(update_fields=["bandwidth_site_id", "bandwidth_sip_peer_id", "connected_at", "drift",
                                   "drift_checked_at", "drift_error", "updated_at"])
        audit.record_change(user=actor, action="action", instance=config, changes={"bandwidth_connection": [
            "", f"{'updated' if existing else 'created'} application {app_id}, assigned to {location.label}",
        ]})
    return config


def application_name(config: SmsConfiguration) -> str:
    """"<tenant name> – <configuration name>", cut to APP_NAME_MAX characters."""
    tenant_name = getattr(connection.tenant, "name", "") or connection.schema_name
    name = f"{tenant_name} – {config.name}"
    return name if len(name) <= APP_NAME_MAX else name[: APP_NAME_MAX - 1].rstrip() + "…"


def _check_allowed(config: SmsConfiguration) -> None:
    if not config.enabled:
        raise ConnectionNotAllowed("This configuration is disabled: enable it before connecting it to Bandwidth.")
    if config.legacy_stopped_working:
        raise ConnectionNotAllowed(config.legacy_cutoff_notice())
    if unreachable_by(settings.BANDWIDTH_DASHBOARD_API_URL):
        raise ConnectionNotAllowed(
            f"Bandwidth could not reach this portal's webhook at {settings.PORTAL_BASE_URL}: a loopback or private "
            "address. Set PORTAL_BASE_URL to the portal's public address (the one Bandwidth can call) first."
        )



def _clean_location(site_id: str | None, sip_peer_id: str | None) -> tuple[str, str] | None:
    site, peer = (site_id or "").strip(), (sip_peer_id or "").strip()
    if not site and not peer:
        return None
    problems = {}
    for field, value, what in (("site_id", site, "site ID"), ("sip_peer_id", peer, "SIP peer ID")):
        if not LOCATION_ID.match(value):
            problems[field] = [f"Enter the Bandwidth {what}: up to 32 letters, digits, dots, hyphens or underscores."]
    if problems:
        raise ConfigurationInvalid(fields=problems)
    return site, peer


def _numbers_drift(config: SmsConfiguration, location: bw.Location, missing: frozenset[str]) -> list[dict]:
    if not missing:
        return []
    expected = sorted(config.trunk.numbers.values_list("number", flat=True))
    return [{"what": f"Trunk numbers on SIP peer {location.sip_peer_id}", "expected": ", ".join(expected),
             "found": ", ".join(number for number in expected if number not in missing)}]


def _chosen_location(api: AccountApi, config: SmsConfiguration,
                     given: tuple[str, str] | None) -> tuple[bw.Location, frozenset[str]]:
    """The location to assign, and the trunk's numbers it was not seen holding (only known after a search)."""
    if given:
        site_id, peer_id = given
        site_name = next((site.name for site in bw.list_sites(api) if site.site_id == site_id), None)
        peer = next((p for p in bw.list_sip_peers(api, site_id) if p.sip_peer_id == peer_id), None) \
            if site_name is not None else None
        if peer is None:
            raise ConfigurationInvalid(
                f"Bandwidth has no SIP peer {peer_id} on site {site_id} for account {config.account_id}.",
                field="sip_peer_id",
            )
        return bw.Location(site_id, site_name, peer_id, peer.name), frozenset()
    numbers = sorted(config.trunk.numbers.values_list("number", flat=True))
    search = bw.find_location(api, numbers)
    if len(search.locations) == 1:
        return search.locations[0], search.missing
    if search.locations:
        raise LocationNeeded(
            "Several Bandwidth locations hold the trunk's numbers: choose the one to assign the application to ("
            + "; ".join(f"{loc.label}: {', '.join(sorted(held))}" for loc, held in search.matches) + ").",
            locations=search.locations,
        )
    choices = bw.list_locations(api)
    what = (f"No Bandwidth location (SIP peer) holds the trunk's numbers ({', '.join(numbers)})" if numbers
            else f"The trunk “{config.trunk.name}” has no numbers to look for")
    if not choices:
        raise LocationNeeded(f"{what}, and this Bandwidth account has no location (SIP peer): create one in the "
                             "Bandwidth App first.")
    raise LocationNeeded(
        f"{what}: choose the location to assign the application to ({'; '.join(loc.label for loc in choices)}), "
        "or move the numbers to it in the Bandwidth App first.",
        locations=choices,
    )


def _existing_application(api: AccountApi, app_id: str) -> bool:
    """Whether `app_id` is a messaging application at Bandwidth (to update); False: create a new one."""
    if not app_id:
        return False
    try:
        found = bw.get_application(api, app_id)
    except BandwidthError as exc:
        if exc.status == 404:
            return False
        raise
    # A voice application's ServiceType cannot change: the configuration gets a messaging application of its own.
    return found.service_type == bw.SERVICE_TYPE


@contextmanager
def _bandwidth_refusal(prefix: str = ""):
    """Turn a BandwidthError into BandwidthRefused with its plain words (logged without secrets)."""
    try:
        yield
    except BandwidthError as exc:
        logger.warning("Bandwidth connect call failed: %s", exc)
        raise BandwidthRefused(prefix + exc.user_message) from exc


# --- the drift check ---------------------------------------------------------------------------------------------

def check_drift(config: SmsConfiguration) -> SmsConfiguration:
    """Compare Bandwidth's application and location with what the portal expects; store `drift` (empty: none) and
    `drift_checked_at`. When Bandwidth cannot be asked (credentials refused, role missing, outage) `drift_error`
    says why and the previous drift is kept. Never raises for Bandwidth's answers; safe to run twice.

    Callback passwords cannot be read back from Bandwidth: the callback UserId is compared instead (Connect makes
    a new one with every new password).
    """
    now = timezone.now()
    if config.legacy_stopped_working:
        return _store(config, drift_error=config.legacy_cutoff_notice(), drift_checked_at=now)
    api = AccountApi(sms_configurations.credentials_of(config))
    try:
        drift = _compare(api, config)
    except BandwidthError as exc:
        return _store(config, drift_error=exc.user_message, drift_checked_at=now)
    return _store(config, drift=drift, drift_error="", drift_checked_at=now)


def check_now(config: SmsConfiguration) -> SmsConfiguration:
    """The drift check asked for by an administrator ("Check now"). Raises ConnectionNotAllowed for a disabled
    configuration; otherwise like check_drift."""
    if not config.enabled:
        raise ConnectionNotAllowed("This configuration is disabled: enable it before checking it at Bandwidth.")
    return check_drift(config)


def check_connections() -> int:
    """Check every enabled, connected configuration of the current tenant (the periodic task); how many."""
    checked = 0
    for config in SmsConfiguration.objects.filter(enabled=True, connected_at__isnull=False).select_related("trunk"):
        check_drift(config)
        checked += 1
    return checked


def _compare(api: AccountApi, config: SmsConfiguration) -> list[dict]:
    drift: list[dict] = []

    def differs(what: str, expected: str, found: str) -> None:
        if expected != found:
            drift.append({"what": what, "expected": expected, "found": found or "(none)"})

    try:
        app = bw.get_application(api, config.application_id)
    except BandwidthError as exc:
        if exc.status != 404:
            raise
        return [{"what": "Messaging application", "expected": config.application_id, "found": "not found at Bandwidth"}]
    url = sms_configurations.webhook_url(config)
    differs("Service type", bw.SERVICE_TYPE, app.service_type)
    differs("Inbound callback URL", url, app.inbound_callback_url)
    differs("Status callback URL", url, app.outbound_callback_url)
    differs("Inbound callback username", config.callback_username, app.inbound_user)
    differs("Status callback username", config.callback_username, app.outbound_user)
    differs("Status callback events", ", ".join(sorted(bw.CALLBACK_TYPES)), ", ".join(sorted(set(app.callback_types))))
    if config.bandwidth_site_id and config.bandwidth_sip_peer_id:
        site, peer = config.bandwidth_site_id, config.bandwidth_sip_peer_id
        differs(f"Messaging application of SIP peer {peer} (site {site})", config.application_id,
                bw.messaging_application_of(api, site, peer))
        expected = sorted(config.trunk.numbers.values_list("number", flat=True))
        held = bw.sip_peer_numbers(api, site, peer)
        differs(f"Trunk numbers on SIP peer {peer}", ", ".join(expected),
                ", ".join(number for number in expected if number in held))
    return drift


def _store(config: SmsConfiguration, **values) -> SmsConfiguration:
    # Only if no Connect changed the configuration meanwhile: its answer would be about the old application.
    SmsConfiguration.objects.filter(
        pk=config.pk, application_id=config.application_id, callback_username=config.callback_username,
    ).update(**values)
    for field, value in values.items():
        setattr(config, field, value)
    return config
