"""Keyset pagination (campaign.paging), on tasks: first page, next pages, the last, and cursors
that cannot be read."""

import datetime as dt

import pytest

from campaign import paging
from campaign.models import Task
from tests import factories

pytestmark = pytest.mark.django_db
BY_CREATED = ("created_at", "id")


@pytest.fixture
def tasks(tree):
    made = [factories.TaskFactory(unit=tree["district_a"], code=f"C{n}") for n in range(5)]
    moment = dt.datetime(2026, 3, 1, 8, tzinfo=dt.UTC)
    Task.objects.filter(pk__in=[t.pk for t in made[:3]]).update(created_at=moment)   # ties
    return list(Task.objects.order_by("-created_at", "-id"))


def test_walks_every_row_once_first_next_last(tasks):
    first = paging.keyset_page(Task.objects.all(), fields=BY_CREATED, descending=True, cursor="", size=2)
    assert (first.rows, first.position) == (tasks[:2], None)
    assert first.next_cursor == f"{tasks[1].created_at.isoformat()}~{tasks[1].pk}"
    second = paging.keyset_page(Task.objects.all(), fields=BY_CREATED, descending=True,
                                cursor=first.next_cursor, size=2)
    assert second.rows == tasks[2:4] and second.position == (tasks[1].created_at, tasks[1].pk)
    last = paging.keyset_page(Task.objects.all(), fields=BY_CREATED, descending=True,
                              cursor=second.next_cursor, size=2)
    assert (last.rows, last.next_cursor) == (tasks[4:], None)


def test_a_unique_sort_has_a_bare_cursor(tasks):
    page = paging.keyset_page(Task.objects.all(), fields=("code",), descending=False, cursor="C1", size=2)
    assert [task.code for task in page.rows] == ["C2", "C3"]
    assert page.next_cursor == "C3"


@pytest.mark.parametrize("cursor", ["", "~", "garbage", "2019-13-01~x", "2026-03-01T08:00:00~5",
                                    "2026-03-01T08:00+00:00~abc", "x~1e400",
                                    "0001-01-01T00:00:00+14:00~1"])
def test_a_cursor_that_cannot_be_read_gives_the_first_page(tasks, cursor):
    page = paging.keyset_page(Task.objects.all(), fields=BY_CREATED, descending=True, cursor=cursor,
                              size=10)
    assert (page.rows, page.position, page.next_cursor) == (tasks, None, None)


@pytest.mark.parametrize(("value", "size"), [(None, 50), ("20", 20), ("200", 200), ("7", 50), ("-5", 50),
                                             ("abc", 50), ("", 50)])
def test_page_size_is_one_of_the_choices(value, size):
    assert paging.per_page(value) == size
