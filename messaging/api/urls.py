from django.urls import path
from rest_framework.routers import SimpleRouter

from messaging.api.compliance import ComplianceSettingsView, NumberRepliesViewSet
from messaging.api.conversations import ConversationViewSet
from messaging.api.extensions import ExtensionViewSet
from messaging.api.inbox_settings import InboxSettingsView
from messaging.api.messages import MessageViewSet
from messaging.api.opt_outs import OptOutViewSet
from messaging.api.rules import InboundRuleViewSet, OutboundRuleViewSet
from messaging.api.sms_configurations import SmsConfigurationViewSet
from messaging.api.trunks import TrunkViewSet
from messaging.api.usage import UsageView
from messaging.api.users import UserViewSet
from messaging.api.webhook_events import WebhookEventViewSet

router = SimpleRouter()
router.register("trunks", TrunkViewSet, basename="trunk")
router.register("sms-configurations", SmsConfigurationViewSet, basename="sms-configuration")
router.register("messages", MessageViewSet, basename="message")
router.register("extensions", ExtensionViewSet, basename="extension")
router.register("inbound-rules", InboundRuleViewSet, basename="inbound-rule")
router.register("outbound-rules", OutboundRuleViewSet, basename="outbound-rule")
router.register("users", UserViewSet, basename="user")
router.register("conversations", ConversationViewSet, basename="conversation")
router.register("webhook-events", WebhookEventViewSet, basename="webhook-event")
router.register("opt-outs", OptOutViewSet, basename="opt-out")
router.register("compliance/numbers", NumberRepliesViewSet, basename="compliance-number")

urlpatterns = [
    path("inbox-settings/", InboxSettingsView.as_view(), name="api-inbox-settings"),
    path("usage/", UsageView.as_view(), name="api-usage"),
    path("compliance/", ComplianceSettingsView.as_view(), name="api-compliance"),
    *router.urls,
]
