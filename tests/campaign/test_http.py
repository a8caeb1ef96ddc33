"""campaign/http.py: a hand-edited query parameter never fails a page."""

import pytest
from django.urls import reverse

from tests import factories
from tests.factories import login

pytestmark = pytest.mark.django_db


def test_superscript_digits_in_query_parameters_are_404(client, tree, people):
    point = factories.PointFactory(unit=tree["street_a"])
    client = login(client, people["coordinator"])
    visit = reverse("inspections:visit-create", args=[point.pk])
    assert client.get(visit + "?round=²").status_code == 404
    assert client.get(visit + "?round=1234567890123").status_code == 404
    assert client.get(reverse("inspections:points-export-csv") + "?campaign=²").status_code == 404
    assert client.get(reverse("inspections:points-import") + "?campaign=١").status_code == 404
