from rest_framework.routers import SimpleRouter

from messaging.api.sms_configurations import SmsConfigurationViewSet
from messaging.api.trunks import TrunkViewSet

router = SimpleRouter()
router.register("trunks", TrunkViewSet, basename="trunk")
router.register("sms-configurations", SmsConfigurationViewSet, basename="sms-configuration")

urlpatterns = router.urls
