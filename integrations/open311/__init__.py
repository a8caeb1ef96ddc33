"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2/) at /open311/v2/: the campaign's
public report categories as services, its citizen reports as service requests, and filing a
citizen report with an integration token's key."""
