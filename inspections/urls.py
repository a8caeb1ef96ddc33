from django.urls import path

from inspections import views_rankings

app_name = "inspections"
urlpatterns: list = [
    # issue 4: monthly scoring, rankings and the bulletin
    path("rankings/", views_rankings.ranking_list, name="ranking-list"),
    path("rankings/bulletin/", views_rankings.bulletin_detail, name="bulletin-detail"),
    path("rankings/bulletin.xlsx", views_rankings.bulletin_export, name="bulletin-export"),
    path("rankings/publish/", views_rankings.bulletin_publish, name="bulletin-publish"),
    path("rankings/bulletins/<int:pk>/revise/", views_rankings.bulletin_revise, name="bulletin-revise"),
    path("rankings/units/<int:pk>/", views_rankings.unit_score_detail, name="unit-score-detail"),
    path("rankings/units/<int:pk>/trend/", views_rankings.unit_score_trend, name="unit-score-trend"),
    path("rankings/accountability/", views_rankings.accountability_list, name="accountability-list"),
    path("rankings/settings/<int:pk>/", views_rankings.scoring_settings, name="scoring-settings"),
]
