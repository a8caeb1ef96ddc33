"""Distances on the earth between two coordinates (points, visits, photos carry WGS84 degrees)."""

import math
from decimal import Decimal

# The mean radius of the earth (IUGG), in metres: the haversine on a sphere is within 0.5 % of
# the ellipsoid, far finer than a phone's position in a street.
EARTH_RADIUS_M = 6_371_008.8

# A visit recorded further than this from its point is flagged on the item page ("far"): a
# phone's position in a city is good to tens of metres, a compound or a market spans a few
# hundred.
FAR_FROM_POINT_M = 500

Degrees = float | Decimal


def distance_m(lat1: Degrees, lon1: Degrees, lat2: Degrees, lon2: Degrees) -> float:
    """The great-circle distance in metres between two (latitude, longitude) pairs (haversine)."""
    phi1, phi2 = math.radians(float(lat1)), math.radians(float(lat2))
    d_phi = phi2 - phi1
    d_lambda = math.radians(float(lon2) - float(lon1))
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
