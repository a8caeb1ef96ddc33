"""campaign.geo: the haversine distance."""

from decimal import Decimal as D

import pytest

from campaign.geo import FAR_FROM_POINT_M, distance_m


@pytest.mark.parametrize(("a", "b", "metres"), [
    ((0, 0), (0, 0), 0),
    # One degree of a great circle: 6,371,008.8 m × π / 180.
    ((0, 0), (0, 1), 111_195),
    ((0, 0), (1, 0), 111_195),
    # 0.0004° of longitude at 37.86° N (Taiyuan): 111,195 × 0.0004 × cos 37.86° ≈ 35.1 m.
    ((D("37.860000"), D("112.550000")), (D("37.860000"), D("112.550400")), 35),
    # Taiyuan to Linfen, as the crow flies (the spherical law of cosines gives the same).
    ((D("37.870600"), D("112.548900")), (D("36.088000"), D("111.518900")), 218_309),
    # Pole to pole: π × 6,371,008.8 m.
    ((90, 0), (-90, 0), 20_015_114),
])
def test_distance_in_metres(a, b, metres):
    assert distance_m(*a, *b) == pytest.approx(metres, abs=1)
    assert distance_m(*b, *a) == pytest.approx(metres, abs=1)


def test_far_is_500_metres():
    assert FAR_FROM_POINT_M == 500
