from django.urls import path, re_path, register_converter

from integrations.open311 import views


class FormatConverter:
    regex = "json|xml"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "open311fmt")

app_name = "open311"
# The lists take their format from the path and their objects from the query string (re_path:
# no object kwarg); requests/{id} and services/{code} name an object.
urlpatterns = [
    re_path(r"^services\.(?P<fmt>json|xml)$", views.services_list, name="services"),
    path("services/<str:code>.<open311fmt:fmt>", views.service_definition,
         name="service-definition"),
    re_path(r"^requests\.(?P<fmt>json|xml)$", views.requests, name="requests"),
    path("requests/<str:code>.<open311fmt:fmt>", views.request_detail, name="request-detail"),
    re_path(r"^(?P<path>.*)$", views.not_found),
]
