"""The home page's URL, outside the inspections namespace: `home` is the site's front page
(LOGIN_REDIRECT_URL), served by the inspections app, which reads the work of every role."""

from django.urls import path

from inspections.views import home

urlpatterns = [path("", home.home, name="home")]
