from django.urls import path

from campaign.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.AccountView.as_view(), name="account"),
    path("logout-everywhere/", views.log_out_everywhere, name="logout-everywhere"),
    path("ping/", views.ping, name="ping"),
]
