"""Forms a screen reader can follow (issue 15): on the pages of refused forms, and on the item
page that holds several step forms, ids are unique, every aria-describedby names an element of
the page (help texts and errors under Django's <id>_helptext / <id>_error), invalid controls say
so, and the error summary's links land on controls (tests/html_checks.py)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from campaign.tasks.services import ChildSpec, split_task
from inspections import workflow
from tests import factories
from tests.factories import login
from tests.html_checks import problems, read

pytestmark = pytest.mark.django_db


@pytest.fixture
def criterion(tree):
    return factories.CriterionFactory(category__standard__campaign=tree["city"].campaign,
                                      points=2, deadline_days=3)


@pytest.fixture
def submitted(tree, people):
    """An item of street A that its staff submitted: a coordinator may close, return, extend or
    void it, each with its own form on the item page."""
    item = factories.file_item(tree["street_a"], by=people["inspector"])
    photo = factories.store_photo_for(tree["street_a"], by=people["staff"])
    return workflow.submit(item, by=people["staff"], version=None, photos=[photo])


def test_the_item_page_of_a_coordinator_has_unique_ids_across_its_step_forms(client, submitted, people):
    body = login(client, people["coordinator"]).get(submitted.get_absolute_url()).content.decode()
    page = read(body)
    forms = [name for name in page.ids if name.startswith("step-")]
    assert len(forms) >= 3, forms                      # several step forms on one page
    assert problems(body) == []
    # Each step's fields carry the step in their id (inspections.views.items._step_form).
    assert {"id_close_note", "id_return_reason", "id_void_reason"} <= set(page.ids)
    assert 'for="id_close_note"' in body and 'for="id_void_reason"' in body


def test_a_refused_step_says_so_at_the_top_of_its_form_and_links_to_the_fields(client, submitted, people):
    response = login(client, people["coordinator"]).post(
        reverse("inspections:rectification-step", args=[submitted.pk, "void"]),
        {"version": submitted.version, "reason": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert problems(body) == []
    page = read(body)
    assert page.summaries == [["id_void_reason"]]
    assert page.invalid == ["id_void_reason"]
    tag, attrs = page.tags["id_void_reason"]
    assert attrs["aria-describedby"].split()[-1] == "id_void_reason_error"
    form = body[body.index('id="step-void"'):body.index("</form>", body.index('id="step-void"'))]
    assert 'class="alert alert-danger error-summary" role="alert" tabindex="-1"' in form
    assert "未提交，请修改以下各项：" in form


def test_a_refused_close_puts_its_choices_in_a_fieldset_that_names_the_question(client, submitted, people):
    response = login(client, people["coordinator"]).post(
        reverse("inspections:rectification-step", args=[submitted.pk, "close"]),
        {"version": submitted.version, "note": "已核查"})
    assert response.status_code == 400
    body = response.content.decode()
    assert problems(body) == []
    page = read(body)
    assert page.summaries == [["id_close_method_0"]]
    tag, attrs = page.tags["id_close_method"]
    assert tag == "fieldset" and attrs["aria-describedby"].endswith("id_close_method_error")
    assert set(page.invalid) >= {"id_close_method_0", "id_close_method_1", "id_close_method_2"}
    fieldset = body[body.index('<fieldset id="id_close_method"'):]
    assert fieldset.index("<legend") < fieldset.index("</fieldset>")


def test_an_invalid_visit_form_describes_its_errors(client, tree, people, criterion):
    point = factories.PointFactory(unit=tree["street_a"])
    response = login(client, people["inspector"]).post(
        reverse("inspections:visit-create", args=[point.pk]), {
            "mode": "", "visited_at": "", "note": "东门口",
            "finding-TOTAL_FORMS": 1, "finding-INITIAL_FORMS": 0,
            "finding-0-criterion": criterion.pk, "finding-0-note": "乱堆放",
        })
    body = response.content.decode()
    assert response.status_code in (200, 400)
    assert problems(body) == []
    page = read(body)
    assert page.summaries and {"id_visited_at"} <= set(page.summaries[0])
    assert "id_visited_at" in page.invalid


def test_an_invalid_round_form_describes_its_errors(client, tree, people):
    response = login(client, people["inspector"]).post(reverse("inspections:round-create"), {
        "unit": tree["district_a"].pk, "name": "五月中旬", "starts_on": "2019-05-20",
        "ends_on": "2019-05-11", "sample_size": "-1", "seed": ""})
    body = response.content.decode()
    assert response.status_code in (200, 400)
    assert problems(body) == []
    page = read(body)
    assert page.summaries and "id_sample_size" in page.summaries[0]
    assert "id_sample_size" in page.invalid


@time_machine.travel(dt.datetime(2019, 7, 1, 4, tzinfo=dt.UTC), tick=False)
def test_an_invalid_task_report_describes_its_errors(client, tree, member):
    top = factories.TaskFactory(unit=tree["district_a"], title="甲区背街小巷", target=Decimal(100))
    street, _lane = split_task(top, [ChildSpec(tree["street_a"], Decimal(60)),
                                     ChildSpec(tree["lane_a"], Decimal(40))], by=None)
    client.force_login(member(tree["street_a"], role="unit_staff"))
    response = client.post(reverse("task-report", args=[street.pk]),
                           {"quantity": "abc", "reported_on": ""})
    body = response.content.decode()
    assert problems(body) == []
    page = read(body)
    assert page.summaries == [["id_quantity", "id_reported_on"]]
    assert set(page.invalid) == {"id_quantity", "id_reported_on"}


def test_the_item_page_of_its_unit_has_unique_ids_across_its_step_forms(client, tree, people):
    item = factories.file_item(tree["street_a"], by=people["inspector"])
    body = login(client, people["staff"]).get(item.get_absolute_url()).content.decode()
    page = read(body)
    assert {"step-acknowledge", "step-send-back", "step-submit"} <= set(page.ids)
    assert problems(body) == []


def test_a_refused_submit_describes_the_photos_field(client, tree, people):
    item = factories.file_item(tree["street_a"], by=people["inspector"])
    response = login(client, people["staff"]).post(
        reverse("inspections:rectification-step", args=[item.pk, "submit"]),
        {"version": item.version, "note": "已清理"})
    assert response.status_code == 400
    body = response.content.decode()
    assert problems(body) == []
    page = read(body)
    assert page.summaries == [["id_submit_photos"]] and page.invalid == ["id_submit_photos"]


@pytest.mark.parametrize("path", [
    "/items/?unit=abc&month=1999-99",
    "/notices/?status=nonsense&unit=abc", "/units/list/?kind=nonsense", "/map/?unit=abc",
])
def test_a_list_filter_with_bad_values_describes_them(client, people, path):
    response = login(client, people["coordinator"]).get(path)
    body = response.content.decode()
    assert response.status_code == 200
    assert read(body).invalid                      # the bad values are marked
    assert problems(body) == []
