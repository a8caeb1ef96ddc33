from django.urls import include, path, register_converter

from inspections import workflow
from inspections.followup import views as followup
from inspections.views import (
    daypack,
    figures,
    items,
    photos,
    registers,
    reports,
    search,
    supervision,
    triage,
    visits,
)

app_name = "inspections"


class StepConverter:
    """A step of the workflow's registry by its slug (any other slug is not found): the view
    receives the `workflow.Step`."""

    steps = {step.slug: step for step in workflow.STEPS.values()}
    regex = "|".join(steps)

    def to_python(self, value: str) -> workflow.Step:
        return self.steps[value]

    def to_url(self, value: "str | workflow.Step") -> str:
        return value.slug if isinstance(value, workflow.Step) else value


register_converter(StepConverter, "step")
urlpatterns = [
    path("search/", search.search, name="search"),
    # The day pack: the pages the service worker keeps for offline use (issue 15, campaign.pwa).
    path("offline/pack/", daypack.day_pack, name="day-pack"),
    path("items/", items.rectification_list, name="rectification-list"),
    path("items/new/", items.rectification_create, name="rectification-create"),
    path("items/bulk/", include("inspections.bulk.urls")),
    path("items/ledger/", items.rectification_ledger, name="rectification-ledger"),
    path("items/ledger.csv", items.rectification_ledger_export, {"fmt": "csv"},
         name="ledger-export-csv"),
    path("items/ledger.xlsx", items.rectification_ledger_export, {"fmt": "xlsx"},
         name="ledger-export-xlsx"),
    path("items/<int:pk>/", items.rectification_detail, name="rectification-detail"),
    path("items/<int:pk>/print/", items.rectification_print, name="rectification-print"),
    path("items/<int:pk>/<step:step>/", items.rectification_step, name="rectification-step"),
    path("photos/<int:pk>/", photos.photo, name="photo"),
    path("photos/<int:pk>/thumb/", photos.photo, {"size": "thumb"}, name="photo-thumb"),
    path("rounds/", visits.round_list, name="round-list"),
    path("rounds/new/", visits.round_create, name="round-create"),
    path("rounds/<int:pk>/", visits.round_detail, name="round-detail"),
    path("points/", visits.point_list, name="point-list"),
    path("points/new/", registers.point_edit, name="point-create"),
    path("points/<int:pk>/", visits.point_detail, name="point-detail"),
    path("points/<int:pk>/edit/", registers.point_edit, name="point-edit"),
    path("points/<int:point_pk>/visit/", visits.visit_create, name="visit-create"),
    path("points/export.csv", registers.points_export, {"fmt": "csv"}, name="points-export-csv"),
    path("points/export.xlsx", registers.points_export, {"fmt": "xlsx"},
         name="points-export-xlsx"),
    path("points/import/", registers.points_import, name="points-import"),
    path("inspections/<int:pk>/", visits.inspection_detail, name="inspection-detail"),
    path("inspections/mine/", visits.my_visits, name="my-visits"),
    path("standards/", registers.standard_list, name="standard-list"),
    path("standards/<int:pk>/", registers.standard_detail, name="standard-detail"),
    path("standards/<int:pk>/units/", registers.standard_units, name="standard-units"),
    path("standards/<int:standard_pk>/categories/new/", registers.category_edit,
         name="category-create"),
    path("standards/<int:standard_pk>/categories/<int:pk>/", registers.category_edit,
         name="category-edit"),
    path("standards/<int:standard_pk>/criteria/new/", registers.criterion_edit,
         name="criterion-create"),
    path("standards/<int:standard_pk>/criteria/<int:pk>/", registers.criterion_edit,
         name="criterion-edit"),
    # The unit page: campaign's page with the unit's figures (see inspections.views.figures).
    path("units/<int:pk>/", figures.unit_detail, name="unit-detail"),
    path("units/<int:pk>/figures/", figures.unit_figures_view, name="unit-figures"),
    path("report/", reports.report_create, name="report-create"),
    path("report/thanks/<slug:code>/", reports.report_thanks, name="report-thanks"),
    path("report/track/", reports.report_track, name="report-track"),
    path("report/track/<slug:code>/photos/<int:pk>/", reports.report_track_photo,
         name="report-track-photo"),
    path("reports/", triage.report_list, name="report-list"),
    path("reports/<int:pk>/", triage.report_detail, name="report-detail"),
    # The follow-up (回访) and the public page of fixed reports (issue 16).
    path("report/track/<slug:code>/feedback/", followup.feedback_answer, name="report-feedback"),
    path("report/fixed/", followup.fixed_list, name="fixed-list"),
    path("report/fixed/photos/<int:pk>/", followup.fixed_photo, name="fixed-photo"),
    path("reports/revisits/", followup.revisit_list, name="revisit-list"),
    path("reports/revisits/<int:pk>/", followup.revisit_mark, name="revisit-mark"),
    path("items/<int:pk>/publish/", followup.publish_fix, name="publish-fix"),
    # Supervision (督办): the campaign's reminder and escalation rules (issue 11).
    path("supervision/", supervision.supervision_index, name="supervision-index"),
    path("supervision/<int:pk>/", supervision.supervision_rules, name="supervision-rules"),
    # Monthly scoring, rankings and the bulletin (issue 4).
    path("rankings/", include("inspections.rankings.urls")),
    # Supervision notices, 督办单 (issue 11).
    path("notices/", include("inspections.notices.urls")),
    # Mock evaluations, 模拟测评 (issue 17).
    path("mock/", include("inspections.mock.urls")),
    # The map of points and open items (issue 12).
    path("map/", include("inspections.map.urls")),
]
