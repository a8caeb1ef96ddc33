from django.urls import path

from campaign.workdays import views

urlpatterns = [
    path("<int:pk>/", views.calendar_detail, name="campaign-calendar"),
]
