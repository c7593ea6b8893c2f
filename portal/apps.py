from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from django.core.signals import request_finished

        from portal import logs, metrics

        # Events counted while answering a request reach Redis once it is answered (nothing counted: no trip).
        request_finished.connect(metrics.flush, dispatch_uid="portal.metrics.flush")
        request_finished.connect(logs.request_done, dispatch_uid="portal.logs.request_done")
