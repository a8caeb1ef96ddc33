"""inspections/views/figures.py: a unit's figures for a month."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tests import factories
from tests.factories import login

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)   # 10:00 in Shanghai


def test_unit_figures_page(client, tree, people, item):
    client = login(client, people["staff"])
    url = reverse("inspections:unit-figures", args=[tree["street_a"].pk])
    page = client.get(url + "?month=2019-13")
    assert page.status_code == 200 and 'id="unit-figures"' in page.content.decode()
    assert client.get(reverse("inspections:unit-figures", args=[tree["street_b"].pk])).status_code == 404
    unit_page = client.get(reverse("inspections:unit-detail", args=[tree["street_a"].pk]) + "?month=2019-05")
    assert f"{url}?month=2019-05" in unit_page.content.decode()


def test_unit_figures_name_the_month_and_link_the_counts(client, tree, people):
    with time_machine.travel(NOW - dt.timedelta(days=5), tick=False):
        factories.file_item(tree["street_a"], by=people["inspector"],
                            deadline=NOW - dt.timedelta(days=1))
    unit = tree["street_a"]
    with time_machine.travel(NOW, tick=False):
        body = login(client, people["coordinator"]).get(
            reverse("inspections:unit-figures", args=[unit.pk])).content.decode()
    assert "本单位及下级单位 2026年11月 立案的整改事项 1 件" in body
    assert f'<a href="/items/?unit={unit.pk}&amp;overdue=on">1</a>' in body
    assert f'href="/items/?unit={unit.pk}&amp;month=2026-11&amp;status=closed" id="closed-link">0<' \
           in body
