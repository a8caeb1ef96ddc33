from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language

from campaign import views
from campaign.forms import LoginForm
from campaign.health.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # The home page reads every role's work (items, rounds, rankings): the inspections app's.
    path("", include("inspections.home_urls")),
    path("units/", views.unit_tree, name="unit-tree"),
    path("units/list/", views.UnitListView.as_view(), name="unit-list"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", include("campaign.twofactor.urls")),
    path("accounts/", include("campaign.accounts.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("jsi18n/", login_not_required(JavaScriptCatalog.as_view()), name="javascript-catalog"),
    path("tasks/", include("campaign.tasks.urls")),
    path("calendar/", include("campaign.workdays.urls")),
    path("notifications/", include("campaign.notifications.urls")),
    path("audit/", include("campaign.audit.urls")),
    path("offline/", include("campaign.offline.urls")),
    path("", include("campaign.pwa.urls")),
    # Open311 GeoReport v2, for other systems (integrations sit on top: included by name).
    path("open311/v2/", include("integrations.open311.urls")),
    # The integration API (token-authenticated, no session) and its tokens' management pages.
    path("api/", include("integrations.api.urls")),
    path("integrations/", include("integrations.urls")),
    path("admin/", admin.site.urls),
    path("", include("inspections.urls")),
]

# 400, 403 and 404 are Django's handlers with the site's templates; the 500 page turns into
# the 503 maintenance page when the database is out (campaign.errors).
handler500 = "campaign.errors.server_error"
