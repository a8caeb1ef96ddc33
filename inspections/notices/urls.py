"""The notice pages, included by inspections.urls under "notices/" (names in the "inspections"
namespace: "inspections:notice-list")."""

from django.urls import path

from inspections.notices import views

urlpatterns = [
    path("", views.notice_list, name="notice-list"),
    path("new/", views.notice_create, name="notice-create"),
    path("<int:pk>/", views.notice_detail, name="notice-detail"),
    path("<int:pk>/print/", views.notice_print, name="notice-print"),
    path("<int:pk>/notice.docx", views.notice_docx, name="notice-docx"),
    path("<int:pk>/notice.pdf", views.notice_pdf, name="notice-pdf"),
    path("<int:pk>/reply/", views.notice_reply, name="notice-reply"),
    path("<int:pk>/return/", views.notice_return, name="notice-return"),
    path("<int:pk>/close/", views.notice_close, name="notice-close"),
]
