"""campaign/offline/idempotency.py: a form sent twice under one key files once."""

import datetime as dt
import os
import uuid
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from campaign.models import Photo, Progress
from campaign.offline import idempotency
from campaign.offline.idempotency import REPLAYED_HEADER, WRONG_USER_HEADER
from campaign.offline.models import Submission
from campaign.tasks.services import ChildSpec, split_task
from inspections import workflow
from inspections.models import Finding, Inspection, Rectification, RectificationEvent
from tests import factories
from tests.factories import login

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2019, 5, 2, 3, 0, tzinfo=dt.UTC)   # 11:00 in Shanghai


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def criterion(tree):
    return factories.CriterionFactory(category__standard__campaign=tree["city"].campaign,
                                      points=2, deadline_days=3)


@pytest.fixture
def point(tree):
    return factories.PointFactory(unit=tree["street_a"])


def visit_data(criterion, key, **extra):
    data = {
        "mode": "open", "visited_at": "2019-05-02T10:30", "note": "东门口",
        "finding-TOTAL_FORMS": 1, "finding-INITIAL_FORMS": 0,
        "finding-0-criterion": criterion.pk, "finding-0-note": "乱堆放",
        "finding-0-photos": [factories.make_jpeg()],
        "submission_key": str(key),
    }
    data.update(extra)
    return data


def visit_url(point):
    return reverse("inspections:visit-create", args=[point.pk])


def media_files(settings) -> list[str]:
    return sorted(name for _path, _dirs, names in os.walk(settings.MEDIA_ROOT) for name in names)


def test_a_visit_sent_twice_is_filed_once(client, point, people, criterion):
    client = login(client, people["inspector"])
    key = uuid.uuid4()
    first = client.post(visit_url(point), visit_data(criterion, key))
    assert first.status_code == 302 and REPLAYED_HEADER not in first
    second = client.post(visit_url(point), visit_data(criterion, key))
    assert second.status_code == 302
    assert second[REPLAYED_HEADER] == "1"
    assert second.url == first.url == reverse("inspections:inspection-detail",
                                              args=[Inspection.objects.get().pk])
    assert (Inspection.objects.count(), Finding.objects.count(), Rectification.objects.count(),
            RectificationEvent.objects.count()) == (1, 1, 1, 1)
    # The first answer's message is still unread (no page was opened in between).
    assert [str(m) for m in get_messages(second.wsgi_request)][-1] == "已于 11:00 收到；没有重复提交。"
    submission = Submission.objects.get()
    assert (submission.user, submission.key, submission.path, submission.result_url) == (
        people["inspector"], key, visit_url(point), first.url)


def test_the_same_key_from_two_people_files_two_visits(client, point, people, criterion, member,
                                                       tree):
    other = member(tree["city"], "inspector", username="insp2")
    key = uuid.uuid4()
    assert login(client, people["inspector"]).post(
        visit_url(point), visit_data(criterion, key)).status_code == 302
    response = login(Client(), other).post(visit_url(point), visit_data(criterion, key))
    assert response.status_code == 302 and REPLAYED_HEADER not in response
    assert Inspection.objects.count() == 2 and Submission.objects.count() == 2


def test_a_refused_visit_stores_no_key_and_the_corrected_send_files(client, point, people,
                                                                    criterion):
    client = login(client, people["inspector"])
    key = uuid.uuid4()
    refused = client.post(visit_url(point), visit_data(criterion, key, mode="sideways"))
    assert refused.status_code == 200
    assert Submission.objects.count() == 0 and Inspection.objects.count() == 0
    sent = client.post(visit_url(point), visit_data(criterion, key))
    assert sent.status_code == 302 and REPLAYED_HEADER not in sent
    assert Inspection.objects.count() == 1 and Submission.objects.count() == 1


def test_without_a_key_the_view_runs_as_before(client, point, people, criterion):
    client = login(client, people["inspector"])
    for _ in range(2):
        assert client.post(visit_url(point), visit_data(criterion, "")).status_code == 302
    assert Inspection.objects.count() == 2 and Submission.objects.count() == 0


@pytest.mark.parametrize("key", ["not-a-uuid", "1234", "x" * 5000])
def test_a_malformed_key_is_400_with_a_message(client, point, people, criterion, key):
    response = login(client, people["inspector"]).post(visit_url(point),
                                                       visit_data(criterion, key))
    assert response.status_code == 400
    assert "提交编号已损坏" in response.content.decode()
    assert Inspection.objects.count() == 0 and Submission.objects.count() == 0


def test_a_get_ignores_the_key(client, point, people):
    response = login(client, people["inspector"]).get(visit_url(point),
                                                      {"submission_key": "broken"})
    assert response.status_code == 200
    assert b"data-submission-key" in response.content and b"data-offline-queue" in response.content


def test_a_fix_sent_twice_is_one_step(client, tree, people):
    item = factories.file_item(tree["street_a"], by=people["inspector"])
    client = login(client, people["staff"])
    url = reverse("inspections:rectification-step", args=[item.pk, "submit"])
    key = uuid.uuid4()
    data = {"version": item.version, "note": "已清理", "submission_key": str(key)}
    first = client.post(url, {**data, "photos": [factories.make_jpeg()]})
    assert first.status_code == 302
    # The answer was lost; the phone sends the same form again (the version is now stale).
    second = client.post(url, {**data, "photos": [factories.make_jpeg()]})
    assert second.status_code == 302 and second[REPLAYED_HEADER] == "1"
    assert second.url == first.url == item.get_absolute_url()
    assert item.events.filter(action="submitted").count() == 1
    assert Photo.objects.count() == 1


def test_a_step_refused_as_stale_stores_no_key(client, tree, people):
    item = factories.file_item(tree["street_a"], by=people["inspector"])
    loaded = item.version
    # Meanwhile a coordinator extends the deadline: the page the fix was typed on is stale.
    item = workflow.extend_deadline(item, by=people["coordinator"], version=None,
                                    deadline=item.deadline + dt.timedelta(days=5), reason="雨天")
    client = login(client, people["staff"])
    url = reverse("inspections:rectification-step", args=[item.pk, "submit"])
    key = str(uuid.uuid4())
    stale = client.post(url, {"version": loaded, "note": "已清理", "submission_key": key,
                              "photos": [factories.make_jpeg()]})
    assert stale.status_code == 409 and Submission.objects.count() == 0
    assert Photo.objects.count() == 0
    sent = client.post(url, {"version": item.version, "note": "已清理", "submission_key": key,
                             "photos": [factories.make_jpeg()]})
    assert sent.status_code == 302 and REPLAYED_HEADER not in sent
    assert item.events.filter(action="submitted").count() == 1


def test_the_page_forms_carry_the_key_field(client, tree, people):
    item = factories.file_item(tree["street_a"], by=people["inspector"])
    page = login(client, people["staff"]).get(item.get_absolute_url()).content.decode()
    form = page[page.index('id="step-submit"'):page.index("</form>", page.index('id="step-submit"'))]
    assert 'data-offline-queue' in form and 'name="submission_key"' in form
    assert f'data-offline-item="{item.get_absolute_url()}"' in form


def test_a_progress_report_sent_twice_is_filed_once(client, tree, member):
    top = factories.TaskFactory(unit=tree["district_a"], title="甲区背街小巷", target=Decimal(100))
    street, _lane = split_task(top, [ChildSpec(tree["street_a"], Decimal(60)),
                                     ChildSpec(tree["lane_a"], Decimal(40))], by=None)
    staff = member(tree["street_a"], "unit_staff")
    client = login(client, staff)
    url = reverse("task-report", args=[street.pk])
    key = uuid.uuid4()
    data = {"quantity": "5", "reported_on": "2019-05-02", "note": "整治完成",
            "submission_key": str(key)}
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert second[REPLAYED_HEADER] == "1" and second.url == first.url
    assert Progress.objects.count() == 1


def test_a_standalone_item_sent_twice_is_filed_once(client, tree, people):
    client = login(client, people["inspector"])
    key = uuid.uuid4()
    data = {"unit": tree["street_a"].pk, "title": "路灯不亮", "description": "三盏",
            "deadline": "2019-05-09T10:00", "submission_key": str(key)}
    first = client.post(reverse("inspections:rectification-create"), data)
    assert first.status_code == 302, first.content.decode()[:2000]
    second = client.post(reverse("inspections:rectification-create"), data)
    assert second.status_code == 302 and second[REPLAYED_HEADER] == "1"
    assert Rectification.objects.count() == 1


# ---- review fixes -----------------------------------------------------------------------------

def _street_task(tree):
    top = factories.TaskFactory(unit=tree["district_a"], title="甲区背街小巷", target=Decimal(100))
    street, _lane = split_task(top, [ChildSpec(tree["street_a"], Decimal(60)),
                                     ChildSpec(tree["lane_a"], Decimal(40))], by=None)
    return street


def test_correcting_an_already_corrected_report_is_refused_not_received(client, tree, member):
    street = _street_task(tree)
    staff = member(tree["street_a"], "unit_staff")
    client = login(client, staff)
    url = reverse("task-report", args=[street.pk])
    wrong = client.post(url, {"quantity": "9", "reported_on": "2019-05-02"})
    assert wrong.status_code == 302
    report = Progress.objects.get()
    corrected = client.post(f"{url}?corrects={report.pk}",
                            {"quantity": "6", "reported_on": "2019-05-02", "note": "多报3条"})
    assert corrected.status_code == 302
    # The queue sends a second correction of the same (now struck out) report: a refusal, with
    # the reason and what was typed, and no receipt (the corrected send may go again).
    key = str(uuid.uuid4())
    response = client.post(f"{url}?corrects={report.pk}",
                           {"quantity": "7", "reported_on": "2019-05-02", "note": "再改",
                            "submission_key": key})
    assert response.status_code == 409 and REPLAYED_HEADER not in response
    page = response.content.decode()
    assert 'id="report-refusal"' in page and "该进度报告已被更正过；请更正最新的那份报告。" in page
    assert "再改</textarea>" in page and 'value="7"' in page
    assert Submission.objects.count() == 0 and Progress.objects.count() == 2


def test_a_send_queued_under_another_account_is_refused_and_files_nothing(client, point, people,
                                                                          criterion):
    client = login(client, people["inspector"])
    response = client.post(visit_url(point), visit_data(
        criterion, uuid.uuid4(), submission_user=str(people["staff"].pk)))
    assert response.status_code == 409 and response[WRONG_USER_HEADER] == "1"
    assert "另一个账号" in response.content.decode()
    assert Inspection.objects.count() == 0 and Submission.objects.count() == 0
    own = client.post(visit_url(point), visit_data(
        criterion, uuid.uuid4(), submission_user=str(people["inspector"].pk)))
    assert own.status_code == 302 and Inspection.objects.count() == 1


def test_a_replay_does_not_drop_a_message_waiting_from_an_earlier_page(client, tree, people):
    item = factories.file_item(tree["street_a"], by=people["inspector"])
    client = login(client, people["staff"])
    url = reverse("inspections:rectification-step", args=[item.pk, "acknowledge"])
    key = uuid.uuid4()
    first = client.post(url, {"version": item.version, "note": "收到", "submission_key": str(key)})
    assert first.status_code == 302            # its message waits: the redirect was not followed
    received = Submission.objects.get()
    # A concurrent send of the same key: it read no receipt before running, was refused as stale
    # (the version moved under it), then found the receipt: the discard path of the decorator.
    with mock.patch.object(idempotency, "_received", side_effect=[None, received]):
        second = client.post(url, {"version": item.version, "note": "收到",
                                   "submission_key": str(key)})
    assert second.status_code == 302 and second[REPLAYED_HEADER] == "1"
    shown = [str(m) for m in get_messages(second.wsgi_request)]
    # The first send's own notice (not shown yet) stays; the refused run's words do not.
    assert shown == [f"{item.code}：已签收。", "已于 11:00 收到；没有重复提交。"]


@pytest.mark.parametrize("target", ["https://evil.example/x", "//evil.example/x", "/" + "a" * 600])
def test_a_receipt_never_stores_an_off_site_or_overlong_result(rf, target):
    request = rf.post("/x/")
    assert idempotency._safe_url(request, target) == "/"
    assert idempotency._safe_url(request, "/items/5/?tab=a#step") == "/items/5/?tab=a#step"
