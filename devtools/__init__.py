"""Development tools, never part of the installed portal nor of its image: the `make run`/`make test`
launcher (launcher.py) and its embedded PostgreSQL and Redis (embedded_services.py), the local
Bandwidth simulator (simulator/), the webhook benchmark's baseline endpoints (bench_baselines.py,
bench_settings.py, bench_urls.py), and, as a Django app installed only in development (see
PORTAL_DEVTOOLS in portal/settings.py), the commands seed_demo, bandwidth_simulator and
bandwidth_simulator_inject.

The portal, tenants and messaging packages never import anything from here.
"""
