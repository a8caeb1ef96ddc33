"""The integration tokens' pages, included at "integrations/" by campaign/urls.py."""

from django.urls import path

from integrations import views

app_name = "integrations"
urlpatterns = [
    path("tokens/", views.token_list, name="token-list"),
    path("tokens/new/", views.token_issue, name="token-issue"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
]
