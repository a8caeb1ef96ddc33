"""The admin goes through the tree's services: moving a unit there rewrites the paths."""

import pytest
from django.urls import reverse

from campaign.models import Unit
from tests import factories

pytestmark = pytest.mark.django_db


def test_moving_a_unit_in_the_admin_keeps_the_tree_whole(client, tree):
    admin = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    lane = tree["lane_a"]
    url = reverse("admin:campaign_unit_change", args=[lane.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"parent": tree["street_b"].pk, "placeholder": "" if not lane.placeholder else "on"})
    data = {name: value for name, value in data.items() if name in form.fields}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    lane = Unit.objects.get(pk=lane.pk)
    assert (lane.parent_id, lane.path) == (tree["street_b"].pk, f"{tree['street_b'].path}{lane.pk:08d}/")
    assert lane.depth == tree["street_b"].depth + 1
    lane.campaign.refresh_from_db()
    assert lane.campaign.tree_version == 1
    assert "campaign" not in form.fields      # a unit stays in its campaign
