"""A step sent from a page loaded before someone else changed the item: every step comes back as
its form, with exactly what was typed and why (409). When the step is still possible the form
carries the current version and can be sent again; when the item has moved on (closed, voided,
acknowledged, submitted…) the form keeps what was typed, read-only, without a button."""

import datetime as dt
import html

import pytest

from inspections import workflow
from inspections.enums import EventAction as A
from inspections.enums import RectificationStatus as S
from inspections.models import Rectification
from tests import factories
from tests.factories import login

pytestmark = pytest.mark.django_db

TYPED = "现场复核：店外摆摊已清理，留存照片3张（东侧）"
CHANGED = "事项{code}已被他人修改，本次操作未保存：请查看最新状态后重试。"
NOT_POSSIBLE = "事项{code}当前为“{status}”，不能进行“{action}”。"
KEPT = "本次未保存。您填写的内容保留在下方，如仍需要请复制。"
RETRY = "您填写的内容保留在下方。"
RETRY_PHOTOS = "您填写的内容保留在下方，请重新选择照片。"


def _url(item, slug):
    return f"/items/{item.pk}/{slug}/"


def _form_of(body: str, slug: str) -> str:
    start = body.index(f'id="step-{slug}"')
    return body[start:body.index("</form>", start)]


def _submit(item, people, who="staff_two"):
    photo = factories.store_photo_for(item.unit, by=people[who])
    return workflow.submit(item, by=people[who], version=None, photos=[photo])


def _sent(slug, item, tree):
    """What each step's form is sent with (the text field carries TYPED)."""
    later = (item.deadline + dt.timedelta(days=5)).astimezone(dt.UTC).astimezone(
        dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%dT%H:%M")
    return {
        "acknowledge": {"note": TYPED},
        "send-back": {"reason": TYPED},
        "submit": {"note": TYPED, "photos": [factories.make_jpeg()]},
        "close": {"method": "service", "note": TYPED},
        "return": {"reason": TYPED, "deadline": later},
        "extend": {"deadline": later, "reason": TYPED},
        "reroute": {"unit": tree["street_b"].pk, "note": TYPED, "deadline": later},
        "void": {"reason": TYPED},
    }[slug]


WHO = {"acknowledge": "staff", "send-back": "staff", "submit": "staff", "close": "inspector",
       "return": "inspector", "extend": "coordinator", "reroute": "coordinator",
       "void": "coordinator"}


def _acknowledged(item, people):
    return workflow.acknowledge(item, by=people["staff_two"], version=None)


def _extended(item, people):
    return workflow.extend_deadline(item, by=people["coordinator"], version=None,
                                    deadline=item.deadline + dt.timedelta(days=1), reason="雨天")


def _returned_and_submitted_again(item, people):
    item = workflow.return_for_rework(item, by=people["coordinator"], version=None, reason="不彻底")
    return _submit(item, people)


def _closed(item, people):
    return workflow.close(item, by=people["coordinator"], version=None, method="management")


def _voided(item, people):
    return workflow.void(item, by=people["coordinator"], version=None, reason="不属实")


# step → (the item as the page showed it, a change meanwhile that leaves the step possible)
STILL_POSSIBLE = {
    "acknowledge": (None, _extended),
    "send-back": (None, _acknowledged),
    "submit": (None, _acknowledged),
    "close": (_submit, _returned_and_submitted_again),
    "return": (_submit, _returned_and_submitted_again),
    "extend": (None, _acknowledged),
    "reroute": (None, _acknowledged),
    "void": (None, _acknowledged),
}
# step → (the item as the page showed it, a change meanwhile after which the step is impossible)
NO_LONGER_POSSIBLE = {
    "acknowledge": (None, _acknowledged),
    "send-back": (None, _submit),
    "submit": (None, _voided),
    "close": (_submit, _closed),
    "return": (_submit, _closed),
    "extend": (None, _voided),
    "reroute": (None, _submit),
    "void": (_submit, _closed),
}


def test_every_step_is_covered():
    steps = {step.slug for step in workflow.STEPS.values()}
    assert set(STILL_POSSIBLE) == set(NO_LONGER_POSSIBLE) == steps


@pytest.mark.parametrize("slug", sorted(STILL_POSSIBLE))
def test_a_stale_step_comes_back_with_what_was_typed_and_can_be_sent_again(client, item, people, tree,
                                                                          slug):
    loaded, meanwhile = STILL_POSSIBLE[slug]
    if loaded:
        item = loaded(item, people)
    version = item.version
    item = meanwhile(item, people)
    client = login(client, people[WHO[slug]])
    response = client.post(_url(item, slug), {"version": version, **_sent(slug, item, tree)})
    assert response.status_code == 409
    body = response.content.decode()
    form = _form_of(body, slug)
    changed = CHANGED.format(code=item.code)
    retry = RETRY_PHOTOS if slug == "submit" else RETRY
    assert ('<div class="alert alert-danger py-1 step-refusal error-summary" role="alert" '
            f'tabindex="-1"><p class="mb-0">'
            f'{changed}</p><p class="mb-0">{retry}</p></div>') in form
    # Said once, on the form.
    assert body.count(changed) == 1
    assert f">\n{TYPED}</textarea>" in form
    assert (f'<input type="hidden" name="version" value="{item.version}" id="id_{slug}_version">'
            in form)
    assert "<button" in form and "readonly" not in form
    assert Rectification.objects.get(pk=item.pk).version == item.version
    # Sent again from the page as it now stands, it is taken.
    again = client.post(_url(item, slug), {"version": item.version, **_sent(slug, item, tree)})
    assert again.status_code == 302


@pytest.mark.parametrize("slug", sorted(NO_LONGER_POSSIBLE))
def test_a_step_no_longer_possible_keeps_what_was_typed_and_says_why(client, item, people, tree,
                                                                    slug):
    loaded, meanwhile = NO_LONGER_POSSIBLE[slug]
    if loaded:
        item = loaded(item, people)
    version = item.version
    item = meanwhile(item, people)
    events = item.events.count()
    response = login(client, people[WHO[slug]]).post(
        _url(item, slug), {"version": version, **_sent(slug, item, tree)})
    assert response.status_code == 409
    body = response.content.decode()
    form = _form_of(body, slug)
    action = next(action for action, step in workflow.STEPS.items() if step.slug == slug)
    why = html.escape(NOT_POSSIBLE.format(code=item.code, status=item.get_status_display(),
                                          action=A(action).label))
    assert ('<div class="alert alert-danger py-1 step-refusal error-summary" role="alert" '
            f'tabindex="-1"><p class="mb-0">'
            f'{why}</p><p class="mb-0">{KEPT}</p></div>') in form
    assert body.count(why) == 1
    assert f">\n{TYPED}</textarea>" in form and "readonly" in form
    assert "<button" not in form and 'type="file"' not in form
    assert Rectification.objects.get(pk=item.pk).status == item.status
    assert item.events.count() == events


def test_a_stale_close_missing_its_method_still_keeps_its_note(client, item, people, photo):
    """The close sent from an old page after someone else closed the item: the note typed is
    shown whether or not the rest of the form was filled in."""
    item = workflow.submit(item, by=people["staff"], version=None, photos=[photo])
    version = item.version
    item = _closed(item, people)
    response = login(client, people["inspector"]).post(
        _url(item, "close"), {"version": version, "note": TYPED})
    assert response.status_code == 409
    form = _form_of(response.content.decode(), "close")
    assert f">\n{TYPED}</textarea>" in form and "<button" not in form
    assert html.escape(NOT_POSSIBLE.format(code=item.code, status=item.get_status_display(),
                                           action=A.CLOSED.label)) in form
    assert Rectification.objects.get(pk=item.pk).status == S.CLOSED


def test_a_step_offered_again_is_the_only_one_shown_when_nothing_else_is_possible(
        client, item, people, photo):
    """The item closed meanwhile: its page offers the inspector nothing but the kept close."""
    item = workflow.submit(item, by=people["staff"], version=None, photos=[photo])
    version = item.version
    item = _closed(item, people)
    response = login(client, people["inspector"]).post(
        _url(item, "close"), {"version": version, "method": "service", "note": TYPED})
    body = response.content.decode()
    assert body.count('<form method="post" action="/items/') == 1
    assert 'id="step-close"' in body
