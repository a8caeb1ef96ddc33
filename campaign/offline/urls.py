from django.urls import path

from campaign.offline import views

app_name = "offline"

urlpatterns = [
    path("queue/", views.queue, name="queue"),
]
