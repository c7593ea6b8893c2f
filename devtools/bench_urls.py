"""The portal's public URLs plus the benchmark's baseline endpoints (devtools/bench_baselines.py)."""

from django.urls import include, path

from portal import urls_public

urlpatterns = [*urls_public.urlpatterns, path("", include("devtools.bench_baselines"))]

handler403 = urls_public.handler403
handler404 = urls_public.handler404
handler500 = urls_public.handler500
