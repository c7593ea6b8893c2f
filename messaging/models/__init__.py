from messaging.models.audit import AuditEntry

__all__ = ["AuditEntry"]
