"""The audit pages, included at "audit/" by campaign/urls.py."""

from django.urls import path

from campaign.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.change_list, name="changes"),
    path("changes.xlsx", views.change_export, name="changes-export"),
    path("security/", views.security_list, name="security"),
    path("security.xlsx", views.security_export, name="security-export"),
]
