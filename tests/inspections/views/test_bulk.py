"""Bulk steps on the item list: each item through its own workflow step, a mix of done and
refused, the bounds (200 items, integer ids in scope), the version check and a second submit."""

import datetime as dt
import html
import inspect

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from inspections import workflow
from inspections.bulk import forms as bulk_forms
from inspections.bulk import services
from inspections.enums import EventAction as A
from inspections.enums import RectificationStatus as S
from inspections.models import Rectification, RectificationEvent
from tests import factories
from tests.factories import login
from tests.html_checks import problems, read

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)       # Monday 10:00 in Shanghai
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
CHOOSE, APPLY = "/items/bulk/", "/items/bulk/apply/"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def local(year, month, day, hour=23, minute=59, second=59):
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def file(tree, people, unit="street_a", days=3, **fields):
    return factories.file_item(tree[unit], by=people["inspector"],
                               deadline=NOW + dt.timedelta(days=days), **fields)


def submitted(item, people, photo, by="staff"):
    item = workflow.acknowledge(item, by=people["staff"], version=None)
    return workflow.submit(item, by=people[by], version=None, photos=[photo])


def tokens(*items):
    return [f"{item.pk}:{item.version}" for item in items]


def events(item) -> list[str]:
    """The item's events after it was filed, by action."""
    return list(item.events.exclude(action=A.FILED).order_by("pk").values_list("action", flat=True))


def status(item) -> str:
    return Rectification.objects.get(pk=item.pk).status


def outcomes(response) -> dict[str, list[str]]:
    """The result page's sections: the codes (or ids) listed under done, refused, not found."""
    body = response.content.decode()
    found = {}
    for section in ("done", "refused", "missing"):
        start = body.find(f'id="bulk-{section}"')
        part = body[start:body.find("</ul>", start)] if start >= 0 else ""
        found[section] = part
    return found


def not_possible(item, status, action) -> str:
    """The workflow's refusal of a step not legal from the item's status."""
    return translation.gettext(
        "Item %(code)s is “%(status)s”: “%(action)s” is not possible from there."
    ) % {"code": item.code, "status": S(status).label, "action": A(action).label}


def messages_in(section: str) -> list[str]:
    """The refusal messages of a result page's section, in order."""
    return [html.unescape(part.split("</div>", 1)[0])
            for part in section.split('<div class="text-danger small">')[1:]]


def apply(client, step, items, **data):
    return client.post(APPLY, {"step": step, "item": items, **data})


@pytest.fixture
def dual(tree, member):
    """A coordinator of the city who is also street A's staff: may submit and close."""
    user = member(tree["city"], "coordinator", username="dual")
    factories.MembershipFactory(user=user, unit=tree["street_a"], role="unit_staff")
    return user


# ---- close: the separation of duties, the status, the 721 method ----------------------------

def test_close_a_mix_exact_outcomes_and_events(client, tree, people, photo, dual):
    a = submitted(file(tree, people), people, photo)
    b = submitted(file(tree, people), people, photo)
    mine = workflow.acknowledge(file(tree, people), by=people["staff"], version=None)
    mine = workflow.submit(mine, by=dual, version=None, photos=[photo])
    still_open = file(tree, people)
    closed = workflow.close(submitted(file(tree, people), people, photo),
                            by=people["inspector"], version=None, method="service")
    before = RectificationEvent.objects.count()
    response = apply(login(client, dual), "close",
                     tokens(a, b, mine, still_open, closed), method="management", note="核查属实")
    assert response.status_code == 200
    assert [status(item) for item in (a, b, mine, still_open, closed)] == [
        S.CLOSED, S.CLOSED, S.SUBMITTED, S.OPEN, S.CLOSED]
    # One event per item done, none for a refused one.
    assert RectificationEvent.objects.count() == before + 2
    for item in (a, b):
        event = item.events.get(action=A.CLOSED)
        assert (event.actor, event.data, event.note) == (dual, {"method": "management"}, "核查属实")
        assert Rectification.objects.get(pk=item.pk).method == "management"
    assert events(mine) == [A.ACKNOWLEDGED, A.SUBMITTED]
    sections = outcomes(response)
    assert a.code in sections["done"] and b.code in sections["done"]
    with translation.override("zh-hans"):
        expected = [
            workflow.STEPS[A.CLOSED].duty.message % {"code": mine.code},
            not_possible(still_open, S.OPEN, A.CLOSED), not_possible(closed, S.CLOSED, A.CLOSED),
        ]
    assert messages_in(sections["refused"]) == expected
    assert sections["missing"] == ""
    assert f'href="{a.get_absolute_url()}"' in sections["done"]
    assert f'href="{mine.get_absolute_url()}"' in sections["refused"]


def test_close_refuses_a_method_outside_721(client, tree, people, photo):
    item = submitted(file(tree, people), people, photo)
    response = apply(login(client, people["coordinator"]), "close", tokens(item), method="magic")
    assert response.status_code == 400
    assert status(item) == S.SUBMITTED and events(item) == [A.ACKNOWLEDGED, A.SUBMITTED]
    # The refused form's summary links to the group's first choice; every id resolves.
    body = response.content.decode()
    assert problems(body) == [] and read(body).summaries == [["id_close_method_0"]]


def test_a_second_submit_of_the_same_form_is_already_done(client, tree, people, photo):
    items = [submitted(file(tree, people), people, photo) for _ in range(2)]
    client = login(client, people["coordinator"])
    first = apply(client, "close", tokens(*items), method="service")
    second = apply(client, "close", tokens(*items), method="service")
    assert first.status_code == second.status_code == 200
    assert [events(item) for item in items] == [[A.ACKNOWLEDGED, A.SUBMITTED, A.CLOSED]] * 2
    sections = outcomes(second)
    assert sections["done"] == ""
    assert sections["refused"].count("已经完成") == 2


def test_a_stale_version_is_refused_as_changed_by_someone_else(client, tree, people, photo):
    item = submitted(file(tree, people), people, photo)
    other = submitted(file(tree, people), people, photo)
    loaded = tokens(item, other)
    workflow.return_for_rework(item, by=people["inspector"], version=None, reason="仍有垃圾")
    response = apply(login(client, people["coordinator"]), "close", loaded, method="service")
    assert status(item) == S.REWORK and status(other) == S.CLOSED
    sections = outcomes(response)
    assert "已被他人修改" in sections["refused"] and item.code in sections["refused"]
    assert "已经完成" not in sections["refused"]


# ---- acknowledge, extend, return, void, re-route ------------------------------------------

def test_acknowledge_a_mix(client, tree, people, photo):
    a, b = file(tree, people), file(tree, people)
    done = submitted(file(tree, people), people, photo)
    elsewhere = file(tree, people, unit="street_b")
    response = apply(login(client, people["staff"]), "acknowledge", tokens(a, b, done, elsewhere),
                     note="收到")
    assert response.status_code == 200
    assert [status(item) for item in (a, b, done, elsewhere)] == [
        S.ACKNOWLEDGED, S.ACKNOWLEDGED, S.SUBMITTED, S.OPEN]
    assert events(a) == events(b) == [A.ACKNOWLEDGED]
    assert a.events.get(action=A.ACKNOWLEDGED).note == "收到"
    assert events(done) == [A.ACKNOWLEDGED, A.SUBMITTED] and events(elsewhere) == []
    sections = outcomes(response)
    assert done.code in sections["refused"]
    # Street B's item is out of street A's scope: not found, its code never shown.
    assert elsewhere.code not in response.content.decode()
    assert f"{elsewhere.pk}: 未找到" in sections["missing"]


def test_extend_to_one_date_a_mix(client, tree, people, photo):
    a, b = file(tree, people, days=3), file(tree, people, days=5)
    late = file(tree, people, days=20)      # already later than the date given
    closed = workflow.close(submitted(file(tree, people), people, photo),
                            by=people["inspector"], version=None, method="service")
    response = apply(login(client, people["coordinator"]), "extend",
                     tokens(a, b, late, closed), deadline="2026-03-12T18:00", reason="雨天施工")
    assert response.status_code == 200
    for item in (a, b):
        item.refresh_from_db()
        assert item.deadline == local(2026, 3, 12, 18, 0, 0)
        assert (item.deadline_days, item.deadline_count) == (None, "")
        assert item.events.get(action=A.EXTENDED).note == "雨天施工"
    assert events(late) == [] and events(closed) == [A.ACKNOWLEDGED, A.SUBMITTED, A.CLOSED]
    assert outcomes(response)["refused"].count("<li") == 2


def test_extend_by_working_days_counts_from_each_items_deadline(client, tree, people):
    # Deadlines Thursday 5 and Friday 6 March; two working days on: Monday 9 and Tuesday 10.
    thursday = file(tree, people, days=3)
    friday = file(tree, people, days=4)
    apply(login(client, people["coordinator"]), "extend", tokens(thursday, friday),
          deadline_days="2", deadline_count="working", reason="节后复工")
    thursday.refresh_from_db()
    friday.refresh_from_db()
    assert thursday.deadline == local(2026, 3, 9)
    assert friday.deadline == local(2026, 3, 10)
    assert (friday.deadline_days, friday.deadline_count) == (2, "working")
    assert friday.events.get(action=A.EXTENDED).data["deadline_days"] == 2


def test_extend_needs_a_date_or_a_count(client, tree, people):
    item = file(tree, people)
    response = apply(login(client, people["coordinator"]), "extend", tokens(item), reason="x")
    assert response.status_code == 400
    assert events(item) == []


def test_return_for_rework_a_mix_and_the_deadline_rules(client, tree, people, photo, criterion):
    # The criterion gives 3 days: an item due in 10 days keeps its deadline; one due tomorrow
    # gets the criterion's 3 days from now (the end of Thursday 5 March), as its page offers.
    roomy = submitted(file(tree, people, days=10, criterion=criterion), people, photo)
    tight = submitted(file(tree, people, days=1, criterion=criterion), people, photo)
    still_open = file(tree, people)
    response = apply(login(client, people["inspector"]), "return",
                     tokens(roomy, tight, still_open), reason="仍有垃圾")
    assert response.status_code == 200
    roomy.refresh_from_db()
    tight.refresh_from_db()
    assert (roomy.status, roomy.rework_count, roomy.deadline) == (
        S.REWORK, 1, NOW + dt.timedelta(days=10))
    assert (tight.status, tight.deadline, tight.deadline_days) == (S.REWORK, local(2026, 3, 5), 3)
    assert events(still_open) == []
    assert still_open.code in outcomes(response)["refused"]


def test_void_a_mix(client, tree, people, photo):
    a = file(tree, people)
    b = submitted(file(tree, people), people, photo)
    voided = workflow.void(file(tree, people), by=people["coordinator"], version=None, reason="重复")
    response = apply(login(client, people["coordinator"]), "void", tokens(a, b, voided),
                     reason="不属实")
    assert [status(item) for item in (a, b, voided)] == [S.VOIDED] * 3
    assert events(a) == [A.VOIDED] and events(voided) == [A.VOIDED]
    assert voided.code in outcomes(response)["refused"]


def test_void_needs_a_reason(client, tree, people):
    item = file(tree, people)
    response = apply(login(client, people["coordinator"]), "void", tokens(item), reason=" ")
    assert response.status_code == 400
    assert status(item) == S.OPEN
    body = response.content.decode()
    assert problems(body) == [] and read(body).invalid == ["id_void_reason"]


def test_reroute_a_mix(client, tree, people, photo):
    a, b = file(tree, people), file(tree, people)
    already_there = file(tree, people, unit="street_b")
    done = submitted(file(tree, people), people, photo)
    response = apply(login(client, people["coordinator"]), "reroute",
                     tokens(a, b, already_there, done), unit=tree["street_b"].pk, note="属地在乙街道")
    assert response.status_code == 200
    for item in (a, b):
        item.refresh_from_db()
        assert (item.status, item.unit) == (S.OPEN, tree["street_b"])
        assert item.events.get(action=A.REROUTED).data["to_unit"] == tree["street_b"].pk
    assert events(already_there) == [] and events(done) == [A.ACKNOWLEDGED, A.SUBMITTED]
    refused = outcomes(response)["refused"]
    assert already_there.code in refused and done.code in refused and "乙街道" in refused


# ---- rights, scope and bounds ------------------------------------------------------------

def test_out_of_scope_ids_are_not_found_and_never_acted_on(client, tree, people, member):
    district = member(tree["district_a"], "coordinator")
    mine, theirs = file(tree, people), file(tree, people, unit="street_b")
    response = apply(login(client, district), "void", [*tokens(mine, theirs), "999999"],
                     reason="不属实")
    assert status(mine) == S.VOIDED and status(theirs) == S.OPEN and events(theirs) == []
    sections = outcomes(response)
    assert f"{theirs.pk}: 未找到" in sections["missing"] and "999999: 未找到" in sections["missing"]
    assert theirs.code not in response.content.decode()


@pytest.mark.parametrize("url", [CHOOSE, APPLY])
def test_more_than_200_items_are_refused_whole(client, tree, people, url):
    items = [file(tree, people) for _ in range(2)]
    ids = [str(item.pk) for item in items] + [str(100_000 + n) for n in range(199)]
    response = login(client, people["coordinator"]).post(
        url, {"step": "void", "item": ids, "reason": "不属实", "query": "status=open"},
        follow=True)
    assert response.redirect_chain == [("/items/?status=open", 302)]
    assert "一次最多" in response.content.decode()
    assert [status(item) for item in items] == [S.OPEN, S.OPEN]


def test_200_items_are_accepted(client, tree, people):
    ids = [str(100_000 + n) for n in range(200)]
    response = apply(login(client, people["coordinator"]), "void", ids, reason="不属实")
    assert response.status_code == 200
    assert outcomes(response)["missing"].count("<li") == 200


@pytest.mark.parametrize("value", ["abc", "1.5", "-3", "1:x", "", "12345678901234"])
def test_ids_must_be_whole_numbers(client, tree, people, value):
    item = file(tree, people)
    response = apply(login(client, people["coordinator"]), "void", [str(item.pk), value],
                     reason="不属实")
    assert response.status_code == 302
    assert status(item) == S.OPEN


def test_read_selection_keeps_order_versions_and_counts_duplicates_once():
    selection = services.read_selection(["7:2", "3", "7:2", " 5:0 "])
    assert selection.versions == {7: 2, 3: None, 5: 0}
    with pytest.raises(services.SelectionError):
        services.read_selection([])


@pytest.mark.parametrize(("who", "step"), [
    ("leader", "close"), ("staff", "close"), ("staff", "void"), ("inspector", "acknowledge"),
])
def test_a_step_the_person_may_take_on_none_is_403(client, tree, people, photo, who, step):
    item = submitted(file(tree, people), people, photo)
    response = apply(login(client, people[who]), step, tokens(item), method="service", reason="x")
    assert response.status_code == 403
    assert status(item) == S.SUBMITTED


@pytest.mark.parametrize("step", ["submit", "send-back", "nonsense"])
def test_steps_not_offered_in_bulk_are_not_found(client, tree, people, step):
    item = file(tree, people)
    response = apply(login(client, people["staff"]), step, tokens(item), reason="x")
    assert response.status_code == 404
    assert status(item) == S.OPEN


@pytest.mark.parametrize("url", [CHOOSE, APPLY])
def test_post_only(client, people, url):
    assert login(client, people["coordinator"]).get(url).status_code == 405


def test_csrf_is_checked(tree, people):
    item = file(tree, people)
    client = login(Client(enforce_csrf_checks=True), people["coordinator"])
    assert apply(client, "void", tokens(item), reason="不属实").status_code == 403
    assert status(item) == S.OPEN


def test_anonymous_is_sent_to_log_in(client, tree, people):
    item = file(tree, people)
    response = apply(client, "void", tokens(item), reason="x")
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert status(item) == S.OPEN


# ---- the pages ----------------------------------------------------------------------------

def test_list_offers_selection_to_those_who_take_steps(client, tree, people):
    item = file(tree, people)
    items_url = reverse("inspections:rectification-list")
    body = login(client, people["coordinator"]).get(items_url).content.decode()
    assert 'id="bulk-form"' in body and 'id="bulk-all"' in body
    assert body.count(f'name="item" value="{item.pk}"') == 2     # the table's and the card's
    client.logout()
    body = login(client, people["leader"]).get(items_url).content.decode()
    assert 'id="bulk-form"' not in body and 'name="item"' not in body


def test_choose_page_offers_the_steps_taken_on_at_least_one(client, tree, people, photo):
    still_open = file(tree, people)
    done = submitted(file(tree, people), people, photo)
    response = login(client, people["inspector"]).post(CHOOSE, {"item": [still_open.pk, done.pk, 999999]})
    body = response.content.decode()
    assert response.status_code == 200
    offered = [slug for slug in ("acknowledge", "close", "return", "extend", "reroute", "void")
               if f'id="bulk-{slug}"' in body]
    assert offered == ["close", "return"]       # an inspector: verify only, on the submitted one
    assert body.count(f'name="item" value="{done.pk}:{done.version}"') == 2
    assert "999999" in body[body.index('id="bulk-missing"'):]


def test_choose_page_for_the_staff_offers_acknowledge_only(client, tree, people):
    item = file(tree, people)
    body = login(client, people["staff"]).post(CHOOSE, {"item": [item.pk]}).content.decode()
    assert 'id="bulk-acknowledge"' in body and 'id="bulk-void"' not in body


def test_loading_the_selection_is_one_query(tree, people, django_assert_num_queries):
    items = [file(tree, people) for _ in range(5)]
    selection = services.read_selection([str(item.pk) for item in items])
    user = people["coordinator"]
    services.selected_items(user, selection)        # the person's scope, read once per request
    with django_assert_num_queries(1):
        loaded = services.selected_items(user, selection)
        assert [(item.unit.name, item.campaign.pk) for item in loaded] == [
            ("甲街道", tree["city"].campaign_id)] * 5


def test_choose_page_queries_do_not_grow_with_the_selection(client, tree, people):
    client = login(client, people["coordinator"])
    counts = []
    for size in (2, 20):
        ids = [file(tree, people).pk for _ in range(size)]
        with CaptureQueriesContext(connection) as queries:
            assert client.post(CHOOSE, {"item": ids}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("action", services.BULK_ACTIONS)
def test_each_bulk_form_gives_arguments_its_step_takes(action, tree, people, criterion):
    """As the single forms do (test_workflow_registry): what a bulk form hands a step is
    exactly what the step's function accepts, the required arguments included."""
    item = file(tree, people, criterion=criterion)
    form = bulk_forms.FORMS[action].__new__(bulk_forms.FORMS[action])
    form.cleaned_data = {name: None for name in bulk_forms.FORMS[action].base_fields}
    form.cleaned_data.update(deadline=NOW + dt.timedelta(days=9))
    given = set(form.arguments(item))
    parameters = inspect.signature(workflow.STEPS[action].run).parameters
    accepted = {name for name in parameters if name not in ("item", "by", "version", "at")}
    required = {name for name in accepted if parameters[name].default is inspect.Parameter.empty}
    assert required <= given <= accepted
