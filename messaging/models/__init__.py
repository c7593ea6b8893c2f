from messaging.models.audit import AuditEntry
from messaging.models.sms_configuration import SmsConfiguration
from messaging.models.trunk import PhoneNumber, Trunk

__all__ = ["AuditEntry", "PhoneNumber", "SmsConfiguration", "Trunk"]
