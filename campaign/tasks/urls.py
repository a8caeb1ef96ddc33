"""The task pages, included at "tasks/" by campaign/urls.py; names stay un-namespaced ("task-board")."""

from django.urls import path

from campaign.tasks import views

urlpatterns = [
    path("", views.task_board, name="task-board"),
    path("mine/", views.task_mine, name="task-mine"),
    path("new/", views.task_create, name="task-create"),
    path("import/", views.task_import, name="task-import"),
    path("export.xlsx", views.task_export, name="task-export"),
    path("<int:pk>/", views.task_detail, name="task-detail"),
    path("<int:pk>/split/", views.task_split, name="task-split"),
    path("<int:pk>/report/", views.task_report, name="task-report"),
    path("photos/<int:pk>/", views.task_photo, name="task-photo"),
    path("photos/<int:pk>/thumb/", views.task_photo, {"thumb": True}, name="task-photo-thumb"),
]
