import pytest
from django.core.cache import cache

from tests import factories


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.LANGUAGE_CODE = "zh-hans"
    cache.clear()


@pytest.fixture
def campaign(db):
    return factories.CampaignFactory()


@pytest.fixture
def tree(campaign):
    """city → two districts → one street each → one lane office under street A."""
    city = factories.UnitFactory(campaign=campaign, parent=None, kind="headquarters", name="市指挥部")
    district_a = factories.UnitFactory(parent=city, kind="district", name="甲区")
    district_b = factories.UnitFactory(parent=city, kind="district", name="乙区")
    street_a = factories.UnitFactory(parent=district_a, kind="street", name="甲街道")
    street_b = factories.UnitFactory(parent=district_b, kind="street", name="乙街道")
    lane_a = factories.UnitFactory(parent=street_a, kind="lane_office", name="甲巷长办公室")
    return {
        "city": city, "district_a": district_a, "district_b": district_b,
        "street_a": street_a, "street_b": street_b, "lane_a": lane_a,
    }


@pytest.fixture
def member(db):
    """member(unit, role) → a user holding that role in that unit."""

    def make(unit, role="unit_staff", **fields):
        user = factories.UserFactory(**fields)
        factories.MembershipFactory(user=user, unit=unit, role=role)
        return user

    return make
