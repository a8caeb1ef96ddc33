from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language

from campaign import task_views, views
from campaign.forms import LoginForm

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("units/", views.unit_tree, name="unit-tree"),
    path("units/list/", views.UnitListView.as_view(), name="unit-list"),
    path("units/<int:pk>/", views.unit_detail, name="unit-detail"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("jsi18n/", login_not_required(JavaScriptCatalog.as_view()), name="javascript-catalog"),
    path("tasks/", task_views.task_board, name="task-board"),
    path("tasks/mine/", task_views.task_mine, name="task-mine"),
    path("tasks/new/", task_views.task_create, name="task-create"),
    path("tasks/import/", task_views.task_import, name="task-import"),
    path("tasks/export.xlsx", task_views.task_export, name="task-export"),
    path("tasks/<int:pk>/", task_views.task_detail, name="task-detail"),
    path("tasks/<int:pk>/split/", task_views.task_split, name="task-split"),
    path("tasks/<int:pk>/report/", task_views.task_report, name="task-report"),
    path("tasks/photos/<int:pk>/", task_views.task_photo, name="task-photo"),
    path("tasks/photos/<int:pk>/thumb/", task_views.task_photo, {"thumb": True}, name="task-photo-thumb"),
    path("admin/", admin.site.urls),
    path("", include("inspections.urls")),
]
