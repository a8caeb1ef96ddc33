"""The installable app's URLs, at the site's root (the worker's scope is the path it is served
from: /sw.js controls the whole site)."""

from django.urls import path

from campaign.pwa import views

app_name = "pwa"
urlpatterns = [
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("offline/", views.offline, name="offline"),
]
