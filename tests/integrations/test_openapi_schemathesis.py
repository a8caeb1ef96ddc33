"""Schemathesis over the API's own OpenAPI document: every operation, with a read token and a
write token on a small world, called in-process through the WSGI application (no network). The
stateless checks must all pass: no server error, and every status, content type and body as the
document states them. Bounded examples keep it well under a minute."""

import datetime as dt

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from campaign.enums import Role
from campaign.periods import Month
from inspections.rankings.services import publish_bulletin
from integrations import tokens
from tests import factories

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture
def open_connection():
    """The WSGI application closes the database connection at the end of each request (Django's
    close_old_connections); Django's test client keeps it for the test's transaction, and so must
    these calls."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def keys(tree, member, settings, open_connection):
    """A read and a write token of the city's coordinator, narrowed to district A, over an item,
    a point, a task and a published bulletin in it."""
    settings.API_REQUESTS_PER_MINUTE = 100_000
    account = member(tree["city"], Role.COORDINATOR, username="hotline")
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    factories.file_item(tree["street_a"], by=account, title="甲一")
    factories.PointFactory(unit=tree["street_a"])
    factories.TaskFactory(unit=tree["street_a"])
    criterion = factories.CriterionFactory(category__standard__campaign=tree["city"].campaign)
    criterion.category.standard.units.add(tree["city"])
    publish_bulletin(tree["city"].campaign, Month(2026, 1), tree["district_a"], by=None,
                     now=dt.datetime(2026, 2, 2, tzinfo=dt.UTC))
    return {access: tokens.issue(name=access, user=account, unit=tree["district_a"], access=access,
                                 by=admin)[1] for access in ("read", "write")}


@pytest.mark.django_db
@pytest.mark.parametrize("access", ["read", "write"])
@schema.parametrize()
@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_the_api_keeps_its_openapi_document(case, keys, access):
    case.call_and_validate(headers={"Authorization": f"Bearer {keys[access]}"}, checks=CHECKS)
