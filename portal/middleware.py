from portal.health import healthz

HEALTH_PATH = "/healthz"


class HealthCheckMiddleware:
    """Answers /healthz before tenant routing, which itself needs the database: a health check must
    say 503 when the database is down, not fail inside the router."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.rstrip("/") == HEALTH_PATH:
            return healthz(request)
        return self.get_response(request)
