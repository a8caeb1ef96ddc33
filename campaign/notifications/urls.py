"""The notification pages, included at "notifications/" by campaign/urls.py."""

from django.urls import path

from campaign.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.notification_open, name="open"),
    path("<int:pk>/read/", views.notification_read, name="read"),
    path("read-all/", views.notification_read_all, name="read-all"),
    path("settings/", views.preferences, name="preferences"),
    path("units/<int:pk>/robots/", views.unit_webhooks, name="unit-webhooks"),
    path("robots/<int:pk>/test/", views.webhook_test, name="webhook-test"),
    path("robots/<int:pk>/delete/", views.webhook_delete, name="webhook-delete"),
]
