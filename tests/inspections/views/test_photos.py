"""inspections/views/photos.py: a photo is served to those who may see what it belongs to."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tests import factories
from tests.factories import login

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)   # 10:00 in Shanghai


def test_photos_are_served_only_in_scope(client, people, photo):
    client = login(client, people["staff"])
    full = client.get(reverse("inspections:photo", args=[photo.pk]))
    assert full.status_code == 200 and full["Content-Type"] == "image/jpeg"
    assert client.get(reverse("inspections:photo-thumb", args=[photo.pk])).status_code == 200
    assert client.post(reverse("inspections:photo", args=[photo.pk])).status_code == 405
    client.force_login(people["other_staff"])
    assert client.get(reverse("inspections:photo", args=[photo.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("inspections:photo", args=[photo.pk])).status_code == 302


@pytest.fixture
def running_round(tree, people):
    from inspections.models import InspectionRound

    return InspectionRound.objects.create(
        campaign=tree["city"].campaign, unit=tree["district_a"], name="三月上旬暗访",
        starts_on=dt.date(2026, 2, 25), ends_on=dt.date(2026, 3, 5), seed=1, sample_size=1,
        created_by=people["inspector"])


def test_photos_of_a_running_round_stay_hidden_from_the_unit(client, tree, people, running_round):
    from inspections import services

    criterion = factories.CriterionFactory(category__standard__campaign=tree["city"].campaign)
    point = factories.PointFactory(unit=tree["street_a"])
    with time_machine.travel(NOW, tick=False):
        visit = services.record_visit(
            point=point, by=people["inspector"], mode="covert", visited_at=NOW,
            round=running_round, uploads=[factories.make_jpeg()],
            findings=[services.FindingInput(criterion=criterion,
                                            uploads=[factories.make_jpeg()])])
    of_point = visit.photos.get()
    item = visit.findings.get().rectification
    of_finding = item.events.get().photos.get()
    visit_url = reverse("inspections:inspection-detail", args=[visit.pk])

    def status(user, photo):
        return login(client, user).get(reverse("inspections:photo", args=[photo.pk])).status_code

    with time_machine.travel(NOW, tick=False):
        # The unit gets the item at once, with the photo of what to fix, but neither the
        # visit, nor its round, nor the other photos of the visit.
        assert (status(people["staff"], of_point), status(people["staff"], of_finding)) == (404, 200)
        page = login(client, people["staff"]).get(item.get_absolute_url())
        assert page.status_code == 200 and visit_url not in page.content.decode()
        assert "三月上旬暗访" not in page.content.decode()
        assert (status(people["inspector"], of_point), status(people["coordinator"], of_point)) == (
            200, 200)
        assert visit_url in login(client, people["coordinator"]).get(
            item.get_absolute_url()).content.decode()
    with time_machine.travel(dt.datetime(2026, 3, 6, 2, tzinfo=dt.UTC), tick=False):
        assert status(people["staff"], of_point) == 200
        assert visit_url in login(client, people["staff"]).get(
            item.get_absolute_url()).content.decode()
