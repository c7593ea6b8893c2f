"""Settings of the webhook benchmark's server (bench/webhook_ingest.py): the portal's own, production
mode and all, with the public URLconf swapped for one that adds the baseline endpoints."""

from portal import settings as portal_settings

# Every setting of the portal (Django reads only the upper-case names), then the one difference.
globals().update({name: value for name, value in vars(portal_settings).items() if name.isupper()})

PUBLIC_SCHEMA_URLCONF = "devtools.bench_urls"
