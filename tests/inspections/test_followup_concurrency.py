"""The reporter's answer to the follow-up sent twice at the same moment (two taps, two devices;
PostgreSQL: real row locks): one answer is stored, the other is refused with the message."""

import pytest
from django.db import connection

from inspections.enums import FeedbackRating
from inspections.followup import services as followup
from inspections.models import ReportFeedback
from tests.concurrency import race
from tests.inspections.views.test_followup import _close, _reported

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def test_the_same_report_answered_twice_at_once_keeps_one_answer(tree, people):
    report, item = _reported(tree, people)
    _close(item, people)
    results = race(
        lambda: followup.answer(report, rating=FeedbackRating.SATISFIED),
        lambda: followup.answer(report, rating=FeedbackRating.NOT_SATISFIED),
    )
    stored = [result for result in results if isinstance(result, ReportFeedback)]
    refused = [result for result in results if isinstance(result, Exception)]
    assert len(stored) == 1 and len(refused) == 1
    assert isinstance(refused[0], followup.FollowupError)
    assert str(refused[0]) == "您已评价过，评价不能更改。"
    assert list(ReportFeedback.objects.values_list("rating", flat=True)) == [stored[0].rating]
