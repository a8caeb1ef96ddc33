"""The read replica (campaign.routers): which requests read from it, and which never do.

"replica" is a second connection to the test database (what Django's TEST MIRROR makes of it),
added for the test: the queries each connection runs show where a page read. The tests commit
(transaction=True) so that the second connection sees the rows.
"""

import datetime as dt
import os
import socket
import subprocess
import sys
from decimal import Decimal as D

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection, connections, router
from django.db.utils import load_backend
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaign.models import Unit
from campaign.routers import PRIMARY, REPLICA, ReplicaRouter, primary_reads, reads_replica
from inspections.models import Bulletin
from tests import factories
from tests.campaign.test_deploy import PRODUCTION, _manage

pytestmark = pytest.mark.django_db(transaction=True)

RANKINGS = reverse("inspections:ranking-list")
ROUTERS = ["campaign.routers.ReplicaRouter"]
PIN_MIDDLEWARE = "campaign.routers.PinPrimaryMiddleware"


def _add_replica(settings, **changes):
    """A second connection to the test database, as "replica". It is put in `connections`
    without being declared in DATABASES, which Django's test case allows (a declared alias not
    listed in the test's databases is refused, and this one exists only for the test)."""
    settings_dict = {**connections[PRIMARY].settings_dict, **changes}
    connections[REPLICA] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(
        settings_dict, alias=REPLICA)
    settings.DATABASE_ROUTERS = ROUTERS
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, PIN_MIDDLEWARE]
    return connections[REPLICA]


def _drop_replica():
    wrapper = connections[REPLICA]
    # Django never closes an in-memory SQLite database (closing would drop it); this second
    # connection to it may go.
    if wrapper.connection is not None:
        wrapper.connection.close()
        wrapper.connection = None
    del connections[REPLICA]


@pytest.fixture
def replica(transactional_db, settings):
    yield _add_replica(settings)
    _drop_replica()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def broken_replica(transactional_db, settings):
    """A replica that cannot be reached."""
    if connections[PRIMARY].vendor == "sqlite":
        yield _add_replica(settings, NAME="/nonexistent/replica.sqlite3")
    else:
        yield _add_replica(settings, HOST="127.0.0.1", PORT=str(_closed_port()))
    _drop_replica()


@pytest.fixture
def published(tree, member):
    """District A's four streets visited in July 2019, the month published; its coordinator."""
    district = tree["district_a"]
    streets = [tree["street_a"]] + [
        factories.UnitFactory(parent=district, kind="street", name=name)
        for name in ["丙街道", "丁街道", "戊街道"]]
    for street, deducted in zip(streets, ("10", "20", "30", "40"), strict=True):
        point = factories.PointFactory(unit=street)
        for day in (3, 10, 17):
            factories.InspectionFactory(
                point=point, unit=street, points_possible=D("100"), points_deducted=D(deducted),
                visited_at=dt.datetime(2019, 7, day, 2, 0, tzinfo=dt.UTC))
    coordinator = member(district, "coordinator", username="coord")
    return {"district": district, "coordinator": coordinator}


def _tables(queries) -> set[str]:
    """The app tables named in the queries' SQL."""
    found = set()
    for query in queries:
        for word in query["sql"].replace('"', " ").replace("`", " ").split():
            if word.startswith(("inspections_", "campaign_", "django_session", "axes_")):
                found.add(word.rstrip(",.()"))
    return found


def _get(client, url, params=None):
    with CaptureQueriesContext(connections[PRIMARY]) as primary, \
            CaptureQueriesContext(connections[REPLICA]) as replica:
        response = client.get(url, params or {})
        if response.streaming:
            response.content_read = b"".join(response.streaming_content)
    assert response.status_code == 200
    return response, _tables(primary.captured_queries), _tables(replica.captured_queries)


def _publish(client, published):
    return client.post(reverse("inspections:bulletin-publish"),
                       {"parent": published["district"].pk, "month": "2019-07"})


def test_a_published_month_reads_from_the_replica(client, replica, published):
    client.force_login(published["coordinator"])
    _publish(client, published)
    assert Bulletin.objects.count() == 1
    client.cookies.pop("primary_pin")        # as if ten seconds had passed
    params = {"parent": published["district"].pk, "month": "2019-07"}
    for name in ("inspections:ranking-list", "inspections:bulletin-detail",
                 "inspections:bulletin-export"):
        response, on_primary, on_replica = _get(client, reverse(name), params)
        # The frozen rows and the bulletin come from the replica; the person (and the session,
        # unless Redis holds it) from the primary: the middleware reads them before the view.
        assert {"inspections_monthlyscore", "inspections_bulletin"} <= on_replica
        assert "campaign_user" in on_primary
        assert on_primary <= {"django_session", "campaign_user"}
    assert "甲街道" in client.get(RANKINGS, params).content.decode()


def test_a_draft_month_is_computed_on_the_primary(client, replica, published):
    client.force_login(published["coordinator"])
    response, on_primary, on_replica = _get(
        client, RANKINGS, {"parent": published["district"].pk, "month": "2019-07"})
    assert "草稿" in response.content.decode()
    # The visits of the month are added up on the primary (the live stamp reads the events).
    assert "inspections_rectificationevent" in on_primary - on_replica
    assert "inspections_monthlyscore" not in on_replica


def test_published_trend_accountability_home_and_exports_read_from_the_replica(
        client, replica, published, tree):
    client.force_login(published["coordinator"])
    _publish(client, published)
    client.cookies.pop("primary_pin")
    factories.RectificationFactory(unit=tree["street_a"], title="井盖缺失")
    street = tree["street_a"]
    for url in (reverse("inspections:unit-score-trend", args=[street.pk]),
                reverse("inspections:accountability-list"), reverse("home"),
                reverse("inspections:ledger-export-xlsx")):
        _response, _on_primary, on_replica = _get(client, url)
        assert on_replica, url
    # The CSV streams after the view has returned: its rows are read on the replica too.
    response, on_primary, on_replica = _get(client, reverse("inspections:ledger-export-csv"))
    assert "井盖缺失" in response.content_read.decode()
    assert "inspections_rectification" in on_replica - on_primary


def test_item_pages_and_lists_never_read_from_the_replica(client, replica, published, tree):
    item = factories.RectificationFactory(unit=tree["street_a"])
    client.force_login(published["coordinator"])
    for url in (item.get_absolute_url(), reverse("inspections:rectification-list"),
                reverse("inspections:rectification-ledger")):
        _response, on_primary, on_replica = _get(client, url)
        assert on_replica == set() and "inspections_rectification" in on_primary, url


def test_a_post_never_touches_the_replica_and_pins_the_person_to_the_primary(
        client, replica, published):
    client.force_login(published["coordinator"])
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = _publish(client, published)
    assert response.status_code == 302 and Bulletin.objects.count() == 1
    assert on_replica.captured_queries == []
    # The page the publish leads to, read right after it: from the primary, with its new rows.
    _response, on_primary, on_replica_after = _get(client, response["Location"])
    assert on_replica_after == set() and "inspections_monthlyscore" in on_primary
    # Once REPLICA_PIN_SECONDS (10) have passed, the replica again.
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=11)):
        _response, _on_primary, on_replica_later = _get(client, response["Location"])
    assert "inspections_monthlyscore" in on_replica_later


def test_a_get_that_writes_pins_the_person_to_the_primary(client, replica, published):
    """Opening a notification marks it read: the page it leads to must show it read."""
    from campaign.notifications.models import Notification

    coordinator = published["coordinator"]
    note = Notification.objects.create(recipient=coordinator, kind="due_today", key="item:7:x",
                                       url="/rankings/", params={}, created_at=timezone.now())
    client.force_login(coordinator)
    client.cookies.pop("primary_pin", None)
    response = client.get(f"/notifications/{note.pk}/")
    assert response.status_code == 302 and "primary_pin" in response.cookies
    client.cookies.pop("primary_pin")
    plain = client.get(RANKINGS, {"parent": published["district"].pk, "month": "2019-07"})
    assert plain.status_code == 200 and "primary_pin" not in plain.cookies   # wrote nothing


def test_another_person_reads_the_replica_meanwhile(client, replica, published, member):
    client.force_login(published["coordinator"])
    _publish(client, published)
    client.logout()
    client.cookies.pop("primary_pin", None)
    client.force_login(member(published["district"], "leader", username="leader"))
    _response, _on_primary, on_replica = _get(
        client, RANKINGS, {"parent": published["district"].pk, "month": "2019-07"})
    assert "inspections_monthlyscore" in on_replica


def test_a_failing_replica_gives_the_page_from_the_primary(client, broken_replica, published):
    client.force_login(published["coordinator"])
    _publish(client, published)
    client.cookies.pop("primary_pin")
    with CaptureQueriesContext(connections[PRIMARY]) as primary:
        response = client.get(RANKINGS, {"parent": published["district"].pk, "month": "2019-07"})
    assert response.status_code == 200 and "甲街道" in response.content.decode()
    assert "inspections_monthlyscore" in _tables(primary.captured_queries)


# ---- the router's rules, without a request ----------------------------------------------------

@pytest.mark.django_db(transaction=False)
def test_the_router_writes_and_migrates_only_the_primary():
    rules = ReplicaRouter()
    assert rules.db_for_write(Unit) == PRIMARY
    assert rules.allow_migrate(PRIMARY, "campaign") is True
    assert rules.allow_migrate(REPLICA, "campaign") is False
    assert rules.allow_relation(Unit(), Unit()) is True


def test_a_write_in_a_marked_view_sends_the_later_reads_to_the_primary(settings):
    from django.contrib.sessions.models import Session

    settings.DATABASE_ROUTERS = ROUTERS
    seen = []

    @reads_replica
    def view(request):
        seen.append(router.db_for_read(Unit))
        seen.append(router.db_for_read(Session))      # who is logged in: always the primary
        with primary_reads():
            seen.append(router.db_for_read(Unit))
        seen.append(router.db_for_read(Unit))
        router.db_for_write(Unit)
        seen.append(router.db_for_read(Unit))
        return None

    view(RequestFactory().get("/"))
    view(RequestFactory().post("/"))
    assert seen == [REPLICA, PRIMARY, PRIMARY, REPLICA, PRIMARY] + [PRIMARY] * 5
    assert router.db_for_read(Unit) == PRIMARY      # the flag ends with the view


# ---- settings ---------------------------------------------------------------------------------

def test_without_a_replica_url_there_is_no_replica():
    assert REPLICA not in django_settings.DATABASES
    assert django_settings.DATABASE_ROUTERS == []
    # The pin stays: it also asks for fresh live figures (inspections.live.LagMiddleware).
    assert PIN_MIDDLEWARE in django_settings.MIDDLEWARE


def _settings_of(**env) -> subprocess.CompletedProcess:
    code = ("from django.conf import settings; "
            "print(settings.DATABASES.get('replica'), settings.DATABASE_ROUTERS, "
            "settings.MIDDLEWARE[-2], settings.REPLICA_PIN_SECONDS)")
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DATABASE_REPLICA_URL")}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=django_settings.BASE_DIR, capture_output=True, text=True,
        env={**base, "DJANGO_SETTINGS_MODULE": "campaign.settings", **env},
    )


@pytest.mark.django_db(transaction=False)
def test_a_replica_url_adds_the_replica_with_the_primarys_options():
    result = _settings_of(
        DATABASE_URL="postgres://app@db1:5432/campaign",
        DATABASE_REPLICA_URL="postgres://reader:secret@db2:5433/campaign?sslmode=require",
        DJANGO_CONN_MAX_AGE="60", DJANGO_REPLICA_PIN_SECONDS="5",
    )
    assert result.returncode == 0, result.stderr
    replica, routers, last_middleware, pin = result.stdout.rsplit(" ", 3)
    assert "'HOST': 'db2'" in replica and "'PORT': 5433" in replica and "'USER': 'reader'" in replica
    assert "'CONN_MAX_AGE': 60" in replica and "'CONN_HEALTH_CHECKS': True" in replica
    assert "'OPTIONS': {'connect_timeout': 5, 'sslmode': 'require'}" in replica
    assert "'MIRROR': 'default'" in replica
    assert routers == str(ROUTERS) and last_middleware == PIN_MIDDLEWARE and pin.strip() == "5"


@pytest.mark.django_db(transaction=False)
def test_check_deploy_is_clean_with_redis_and_a_replica():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION,
                     DATABASE_URL="postgres://app@db1:5432/campaign",
                     DATABASE_REPLICA_URL="postgres://reader@db2:5432/campaign",
                     REDIS_URL="redis://127.0.0.1:6379/2")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db(transaction=False)
def test_a_replica_without_a_postgresql_primary_is_refused():
    result = _settings_of(DATABASE_REPLICA_URL="postgres://reader@db2:5432/campaign")
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URL needs DATABASE_URL" in result.stderr


# ---- the real settings: DATABASE_REPLICA_URL on PostgreSQL -----------------------------------

_SERVER = """
import sys
import django
django.setup()
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment
from campaign.models import User
setup_test_environment()
rankings, publish, parent = sys.argv[1:]
client = Client()
client.force_login(User.objects.get(username="coord"))
def replica_queries(call):
    with CaptureQueriesContext(connections["replica"]) as replica:
        status = call().status_code
    return status, len(replica.captured_queries)
print(*replica_queries(lambda: client.get(rankings, {"parent": parent, "month": "2019-07"})))
print(*replica_queries(lambda: client.post(publish, {"parent": parent, "month": "2019-07"})))
print(*replica_queries(lambda: client.get(rankings, {"parent": parent, "month": "2019-07"})))
"""


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a replica needs PostgreSQL")
def test_with_database_replica_url_the_app_reads_the_replica(client, published):
    """An app server started with DATABASE_REPLICA_URL (here the primary's own address: the same
    rows through a second connection) reads a published month from it, and nothing else."""
    client.force_login(published["coordinator"])
    _publish(client, published)
    db = connections[PRIMARY].settings_dict
    address = (f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
               f"{db['PORT'] or 5432}/{db['NAME']}")
    base = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    result = subprocess.run(
        [sys.executable, "-c", _SERVER, RANKINGS, reverse("inspections:bulletin-publish"),
         str(published["district"].pk)],
        cwd=django_settings.BASE_DIR, capture_output=True, text=True,
        env={**base, "DJANGO_SETTINGS_MODULE": "campaign.settings", "DATABASE_URL": address,
             "DATABASE_REPLICA_URL": address,
             # The coordinator logs in with the password alone, as everywhere in the tests.
             "CAMPAIGN_TWO_FACTOR_REQUIRED": "0"},
    )
    assert result.returncode == 0, result.stderr
    (status, on_replica), (posted, post_on_replica), (after, after_on_replica) = [
        tuple(int(n) for n in line.split()) for line in result.stdout.splitlines()]
    assert (status, posted, after) == (200, 302, 200)
    assert on_replica > 0                                  # the published month
    assert post_on_replica == 0 and after_on_replica == 0  # the POST, and the page right after


def test_a_replica_too_far_behind_is_not_read(client, replica, published, settings, caplog):
    """The replica's own lag (0 for the test's second connection to the same database) against
    the limit: a limit it cannot meet sends the report pages to the primary, with a warning."""
    client.force_login(published["coordinator"])
    _publish(client, published)
    client.cookies.pop("primary_pin")
    params = {"parent": published["district"].pk, "month": "2019-07"}
    _response, _on_primary, on_replica = _get(client, RANKINGS, params)
    assert "inspections_monthlyscore" in on_replica
    settings.REPLICA_MAX_LAG = -1
    response, on_primary, on_replica = _get(client, RANKINGS, params)
    assert response.status_code == 200
    assert on_replica == set() and "inspections_monthlyscore" in on_primary
    assert "the read replica is 0 s behind: the report pages read the primary" in caplog.text
