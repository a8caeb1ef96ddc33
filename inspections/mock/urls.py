from django.urls import path

from inspections.mock import views

urlpatterns = [
    path("", views.mock_list, name="mock-list"),
    path("new/", views.mock_create, name="mock-create"),
    path("<int:pk>/", views.mock_detail, name="mock-detail"),
    path("<int:pk>/report.xlsx", views.mock_export, {"fmt": "xlsx"}, name="mock-export-xlsx"),
    path("<int:pk>/report.docx", views.mock_export, {"fmt": "docx"}, name="mock-export-docx"),
]
