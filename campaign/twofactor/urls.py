from django.urls import path

from campaign.twofactor import views

app_name = "two-factor"

urlpatterns = [
    path("", views.status, name="status"),
    path("verify/", views.verify, name="verify"),
    path("setup/", views.setup, name="setup"),
    path("recovery-codes/", views.recovery_codes, name="recovery-codes"),
    path("turn-off/", views.disable, name="disable"),
]
