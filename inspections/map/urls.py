"""The map, included by inspections.urls under "map/" (names in the "inspections" namespace)."""

from django.urls import path

from inspections.map import views

urlpatterns = [
    path("", views.map_page, name="map"),
    path("data.geojson", views.map_data, name="map-data"),
]
