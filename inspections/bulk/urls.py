"""Bulk steps, included by inspections.urls under "items/bulk/" (names in the "inspections"
namespace)."""

from django.urls import path

from inspections.bulk import views

urlpatterns = [
    path("", views.rectification_bulk, name="rectification-bulk"),
    path("apply/", views.rectification_bulk_apply, name="rectification-bulk-apply"),
]
