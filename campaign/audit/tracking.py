"""The models whose every change the audit records, and how. Derived columns (tree paths, the
tree's version) and secrets (password hashes, the last login; a robot's URL and signing secret,
masked: campaign.audit.recorders.mask) are left out.

Registered by name (inspections' models too: campaign never imports inspections), each with its
own columns only: auditlog would otherwise write every reverse relation into a creation."""

from auditlog.registry import auditlog
from django.apps import apps

TRACKED: dict[str, dict] = {
    "campaign.User": {"exclude_fields": ["password", "last_login"],
                      "m2m_fields": ["groups", "user_permissions"]},
    "campaign.Campaign": {"exclude_fields": ["tree_version"]},
    "campaign.Unit": {"exclude_fields": ["path", "depth"]},
    "campaign.Membership": {},
    "campaign.LeaderCharge": {},
    "campaign.Standard": {"m2m_fields": ["units"]},
    "campaign.Category": {},
    "campaign.Criterion": {},
    "campaign.Point": {},
    "campaign.Task": {"exclude_fields": ["path"]},
    "campaign.CalendarDay": {},
    "campaign.CalendarYear": {},
    "inspections.SupervisionRules": {},
    "inspections.Bulletin": {},
    "inspections.Notice": {"m2m_fields": ["rectifications", "tasks"]},
    # Triage (accept, reject, merge into an item) by whom; the citizen's contact is masked.
    "inspections.CitizenReport": {"mask_fields": ["contact"]},
    "inspections.ReportFeedback": {},
    "inspections.PublishedFix": {},
    "notifications.UnitWebhook": {"mask_fields": ["url", "secret"]},
    "notifications.NotificationPreference": {},
    # Issued and revoked on the integration tokens' pages; the key's hash never leaves the table.
    "integrations.ApiToken": {"exclude_fields": ["key_hash", "last_used_at"]},
}


def register() -> None:
    for label, options in TRACKED.items():
        model = apps.get_model(label)
        excluded = set(options.get("exclude_fields", []))
        own = [field.name for field in model._meta.concrete_fields if field.name not in excluded]
        auditlog.register(model, include_fields=own, **{
            name: value for name, value in options.items() if name != "exclude_fields"})
