"""Settings of the webhook benchmark's server (bench/webhook_ingest.py): the portal's own, production
mode and all, with the public URLconf swapped for one that adds the baseline endpoints."""

from portal.settings import *  # noqa: F403

PUBLIC_SCHEMA_URLCONF = "devtools.bench_urls"
