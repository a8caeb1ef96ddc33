import pytest
from django.db import connections

from campaign.health import lanes


@pytest.fixture(autouse=True)
def _database_lane_lets_go():
    """The lanes' threads live on from test to test; the database lane's connection must not
    (kept under CONN_MAX_AGE, it would stop the test database from being dropped)."""
    yield
    future = lanes.lane("database").submit(connections.close_all)
    if future is not None:
        future.result(timeout=10)
