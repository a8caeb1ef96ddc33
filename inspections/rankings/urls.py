"""The rankings' URLs, included by inspections.urls under "rankings/" without a namespace of their
own: the names stay in the "inspections" namespace ("inspections:ranking-list")."""

from django.urls import path

from inspections.rankings import views

urlpatterns = [
    path("", views.ranking_list, name="ranking-list"),
    path("bulletin/", views.bulletin_detail, name="bulletin-detail"),
    path("bulletin.xlsx", views.bulletin_export, name="bulletin-export"),
    path("bulletin.docx", views.bulletin_docx, name="bulletin-docx"),
    path("bulletin.pdf", views.bulletin_pdf, name="bulletin-pdf"),
    path("publish/", views.bulletin_publish, name="bulletin-publish"),
    path("bulletins/<int:pk>/revise/", views.bulletin_revise, name="bulletin-revise"),
    path("units/<int:pk>/", views.unit_score_detail, name="unit-score-detail"),
    path("units/<int:pk>/trend/", views.unit_score_trend, name="unit-score-trend"),
    path("accountability/", views.accountability_list, name="accountability-list"),
    path("settings/<int:pk>/", views.scoring_settings, name="scoring-settings"),
]
