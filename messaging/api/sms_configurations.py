# Stub: being written.
from rest_framework import viewsets

from messaging.models import SmsConfiguration


class SmsConfigurationViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = SmsConfiguration.objects.none()
