"""The audit trail (issue 14): who changed what, from which value to which (ChangeEntry, written by
django-auditlog for the models listed in settings.AUDITLOG_INCLUDE_TRACKING_MODELS), and the
security events (SecurityEvent: logins, failures, lockouts, refused accesses…), with the page
administrators read them on (/audit/)."""
