from messaging.models.audit import AuditEntry
from messaging.models.compliance import ComplianceSettings, KeywordKind, KeywordReplySent, NumberKeywordReply
from messaging.models.connection_test import ConnectionTest
from messaging.models.conversation import Conversation, ConversationRead, InboxPreference
from messaging.models.extension import Extension
from messaging.models.extension_user import ExtensionAssignment
from messaging.models.idempotency import IdempotentRequest
from messaging.models.message import Message, MessageMedia, OptOut
from messaging.models.notification import NotificationSent
from messaging.models.recipient import MessageRecipient
from messaging.models.rules import InboundRule, OutboundRule
from messaging.models.sms_configuration import SmsConfiguration
from messaging.models.toll_free import TollFreeSubscription
from messaging.models.trunk import PhoneNumber, Trunk
from messaging.models.webhook_event import WebhookEvent

__all__ = [
    "AuditEntry", "ConnectionTest", "Conversation", "ConversationRead", "Extension", "ExtensionAssignment",
    "IdempotentRequest", "InboxPreference", "InboundRule", "Message", "MessageMedia", "MessageRecipient",
    "NotificationSent", "OptOut",
    "ComplianceSettings", "KeywordKind", "KeywordReplySent", "NumberKeywordReply",
    "OutboundRule", "PhoneNumber", "SmsConfiguration", "TollFreeSubscription", "Trunk", "WebhookEvent",
]
