from rest_framework.routers import SimpleRouter

from messaging.api.sms_configurations import SmsConfigurationViewSet
from messaging.api.trunks import TrunkViewSet
from messaging.api.webhook_events import WebhookEventViewSet

router = SimpleRouter()
router.register("trunks", TrunkViewSet, basename="trunk")
router.register("sms-configurations", SmsConfigurationViewSet, basename="sms-configuration")
router.register("webhook-events", WebhookEventViewSet, basename="webhook-event")

urlpatterns = router.urls
