"""The queue page: a page like any other (login required); the list is the browser's."""

import pytest
from django.urls import reverse

from tests.factories import login

pytestmark = pytest.mark.django_db


def test_the_queue_page_needs_a_login_and_lists_nothing_server_side(client, people):
    url = reverse("offline:queue")
    assert client.get(url).status_code == 302
    response = login(client, people["staff"]).get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="offline-queue-list"' in body and 'id="offline-entry-template"' in body
    assert 'data-text="reason-conflict"' in body and 'id="offline-queue-badge"' in body
    assert client.post(url).status_code == 405
