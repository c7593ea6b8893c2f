# Stub: being written (trunks API).
from rest_framework import viewsets

from messaging.models import Trunk


class TrunkViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Trunk.objects.none()
