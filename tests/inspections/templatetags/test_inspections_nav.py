import pytest
from django.urls import reverse

from inspections import services
from tests.factories import login

pytestmark = pytest.mark.django_db


def test_coordinator_nav_counts_new_citizen_reports(client, tree, people):
    campaign = tree["city"].campaign
    for text in ("路灯不亮", "井盖缺失"):
        services.report_problem(campaign=campaign, description=text, location="东巷口")
    body = login(client, people["coordinator"]).get(reverse("home")).content.decode()
    link = body[body.index('id="nav-reports"'):]
    assert link.startswith('id="nav-reports">市民随手拍 <span class="badge rounded-pill '
                           'text-bg-light">2</span>')
    staff_body = login(client, people["staff"]).get(reverse("home")).content.decode()
    assert 'id="nav-reports"' not in staff_body
