# The portal's image: gunicorn on port 8000 by default; the same image runs the Celery worker and
# beat (see docker-compose.yml and docs/deployment.md).
# BASE_IMAGE: another image with python 3.11 and pip on PATH, e.g. a mirror's copy of python:3.11-slim
# (docs/deployment.md, "Built here": how the image was built and run without a registry).
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # Import the code from /app, not from site-packages: settings find templates/, static/ and
    # .data/ next to the code (BASE_DIR).
    PYTHONPATH=/app

RUN useradd --create-home --uid 10001 --user-group portal
WORKDIR /app

# Dependencies first, so that a code change does not reinstall them: exactly the versions and hashes of the
# lock file (requirements/runtime.txt, written by `make lock`), the runtime packages only. The code is imported
# from /app (PYTHONPATH), so the portal itself is not installed as a package.
COPY requirements/runtime.txt requirements/runtime.txt
RUN pip install --require-hashes --no-deps -r requirements/runtime.txt

# devtools/ (launcher, simulator, demo), bench/ and tests/ never enter the image (.dockerignore keeps them
# out of the build context too).
COPY manage.py ./
COPY portal portal
COPY tenants tenants
COPY accounts accounts
COPY messaging messaging
COPY templates templates
COPY static static

# Static files are collected at build time (whitenoise serves them); settings need their variables
# to import, none of which is used here: dummies.
RUN DEBUG=0 \
    SECRET_KEY=collectstatic-only \
    FIELD_ENCRYPTION_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
    DATABASE_URL=postgres://collectstatic@localhost/collectstatic \
    REDIS_URL=redis://localhost:6379/0 \
    ALLOWED_HOSTS=localhost \
    PORTAL_BASE_URL=http://localhost \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/.data/media \
    && chown -R portal:portal /app/.data

# Numeric, so that Kubernetes' runAsNonRoot can verify it without the image's /etc/passwd.
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
# The web process of the process table (portal/processes.py: gunicorn on 0.0.0.0:8000); the worker and beat
# run the same image with `python -m portal.processes worker` / `beat`. WEB_CONCURRENCY (gunicorn reads
# it) sets the number of worker processes; WEB_TIMEOUT, WEB_GRACEFUL_TIMEOUT and WEB_KEEPALIVE its timeouts.
CMD ["python", "-m", "portal.processes", "web"]
