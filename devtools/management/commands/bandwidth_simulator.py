"""Run the local Bandwidth simulator (Messaging API v2 + OAuth token endpoint) until Ctrl-C.

Needs no database. Point the portal at it with BANDWIDTH_MESSAGING_API_URL and BANDWIDTH_OAUTH_TOKEN_URL
(printed at start). Options and the admin API: docs/simulator.md.
"""

from __future__ import annotations

import logging
import signal
import sys
from urllib.parse import unquote, urlsplit, urlunsplit

from django.core.management.base import BaseCommand, CommandError

from devtools.simulator import Simulator, SimulatorConfig


class Command(BaseCommand):
    help = "Run a local Bandwidth Messaging API simulator (sends, callbacks, inbound, OAuth, fault injection)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        add = parser.add_argument
        add("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        add("--port", type=int, default=9050, help="port (default 9050; 0 picks a free one)")
        add("--public-url", default="", help="base URL the portal reaches the simulator at, used in media "
                                             "URLs (default http://HOST:PORT)")
        add("--state-file", help="JSON file to keep applications, credentials, tokens, messages and media in "
                                 "across restarts")
        add("--latency-ms", type=float, default=0, help="delay every Bandwidth API answer by this much")
        add("--failure-rate", type=float, default=0, help="share of sends answered 500/503 (0..1)")
        add("--rate-limit-rate", type=float, default=0, help="share of sends answered 429 (0..1)")
        add("--retry-after", type=int, default=1, help="Retry-After seconds on a 429 (default 1)")
        add("--drop-rate", type=float, default=0, help="share of sends accepted, then left unanswered (0..1)")
        add("--duplicate-callback-rate", type=float, default=0, help="share of callbacks sent twice (0..1)")
        add("--reorder-callbacks", action="store_true",
            help="send message-delivered/-failed before message-sending (MMS and group messages)")
        add("--delivery-failure-rate", type=float, default=0,
            help="share of recipients whose delivery fails with message-failed (0..1)")
        add("--fail-code", type=int, nargs="+", action="extend", dest="fail_codes",
            help="errorCode(s) for failed deliveries, picked at random (default 4773)")
        add("--fail-number", action="append", default=[], metavar="NUMBER=CODE",
            help="always fail deliveries to NUMBER with CODE (repeatable)")
        add("--callback-delay-ms", type=float, default=0, help="wait this long before the first callback")
        add("--callback-retries", type=int, default=3, help="retries of a failed callback (default 3)")
        add("--callback-retry-delay-ms", type=float, default=200, help="first retry delay, doubling (default 200)")
        add("--callback-timeout", type=float, default=10, help="seconds to wait for a callback answer (default 10)")
        add("--no-loopback", dest="loopback", action="store_false",
            help="do not deliver a message sent to one of the applications' own numbers back to it as inbound")
        add("--token-lifetime", type=int, default=3600, help="expires_in of issued tokens (default 3600)")
        add("--seed", type=int, help="seed of the fault RNG (repeatable runs)")
        add("--application", action="append", default=[], metavar="ID=URL",
            help="register an application and its callback URL; user:password@ in the URL become the "
                 "callback credentials (repeatable)")
        add("--account-id", help="account ID of the --application and --credential entries")
        add("--credential", action="append", default=[], metavar="CLIENT_ID:SECRET",
            help="accept only registered OAuth client credentials (repeatable)")
        add("--legacy-user", action="append", default=[], metavar="USER:PASSWORD",
            help="accept this legacy HTTP Basic API user (repeatable)")

    def handle(self, *args, **options):
        config = self._config(options)
        simulator = Simulator(config)
        try:
            for item in options["application"]:
                self._register_application(simulator, item, options["account_id"])
            for kind, items in (("oauth", options["credential"]), ("legacy", options["legacy_user"])):
                for item in items:
                    username, sep, secret = item.partition(":")
                    if not sep:
                        raise CommandError(f"use NAME:SECRET, not {item!r}")
                    simulator.add_credential(username, secret, auth_type=kind, account_id=options["account_id"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self._logging(options["verbosity"])
        try:
            simulator.start()
        except OSError as exc:
            raise CommandError(f"cannot listen on {config.host}:{config.port}: {exc}") from None
        signal.signal(signal.SIGTERM, lambda *_: simulator.request_stop())
        if options["fail_codes"] and not options["delivery_failure_rate"]:
            self.stderr.write("Note: --fail-code has no effect without --delivery-failure-rate.")
        self.stdout.write(self.style.SUCCESS(f"Bandwidth simulator on {simulator.base_url}  (Ctrl-C stops)"))
        self.stdout.write(f"  BANDWIDTH_MESSAGING_API_URL={simulator.api_url}")
        self.stdout.write(f"  BANDWIDTH_OAUTH_TOKEN_URL={simulator.token_url}")
        self.stdout.write(f"  BANDWIDTH_DASHBOARD_API_URL={simulator.public_url}/api")
        self.stdout.write(f"  BANDWIDTH_ACCOUNT_API_URL={simulator.api_url}")
        self.stdout.write(f"  inject inbound messages and watch traffic: {simulator.base_url}/simulator/")
        simulator.serve_until_interrupted()
        self.stdout.write("Simulator stopped.")

    def _config(self, options) -> SimulatorConfig:
        fail_numbers = {}
        for item in options["fail_number"]:
            number, sep, code = item.partition("=")
            if not sep or not code.isdigit():
                raise CommandError(f"use --fail-number NUMBER=CODE, not {item!r}")
            fail_numbers[number.strip()] = int(code)
        try:
            return SimulatorConfig(
                host=options["host"], port=options["port"], public_url=options["public_url"],
                state_file=options["state_file"], latency_ms=options["latency_ms"],
                failure_rate=options["failure_rate"], rate_limit_rate=options["rate_limit_rate"],
                retry_after=options["retry_after"], drop_rate=options["drop_rate"],
                duplicate_callback_rate=options["duplicate_callback_rate"],
                reorder_callbacks=options["reorder_callbacks"],
                delivery_failure_rate=options["delivery_failure_rate"],
                fail_codes=options["fail_codes"] or [4773], fail_numbers=fail_numbers,
                callback_delay_ms=options["callback_delay_ms"], callback_retries=options["callback_retries"],
                callback_retry_delay_ms=options["callback_retry_delay_ms"],
                callback_timeout=options["callback_timeout"], token_lifetime=options["token_lifetime"],
                seed=options["seed"], loopback=options["loopback"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None

    def _register_application(self, simulator: Simulator, item: str, account_id: str | None) -> None:
        application_id, sep, url = item.partition("=")
        if not sep or not application_id:
            raise CommandError(f"use --application ID=URL, not {item!r}")
        parts = urlsplit(url)
        username, password = unquote(parts.username or ""), unquote(parts.password or "")
        if username:
            # The credentials travel as Basic auth after the challenge, never inside the URL.
            netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
            url = urlunsplit(parts._replace(netloc=netloc))
        simulator.register_application(application_id, callback_url=url, callback_username=username,
                                       callback_password=password, account_id=account_id)

    def _logging(self, verbosity: int) -> None:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger = logging.getLogger("devtools.simulator")
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG if verbosity >= 2 else logging.INFO)
        logger.propagate = False
