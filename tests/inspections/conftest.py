import pytest

from tests import factories


@pytest.fixture
def people(tree, member):
    """A city coordinator and inspector, street A's staff (two), a leader over district A,
    and street B's staff."""
    coordinator = member(tree["city"], "coordinator", username="coord")
    inspector = member(tree["city"], "inspector", username="insp")
    staff = member(tree["street_a"], "unit_staff", username="staff")
    staff_two = member(tree["street_a"], "unit_staff", username="staff2")
    other_staff = member(tree["street_b"], "unit_staff", username="other")
    leader = member(tree["district_a"], "leader", username="leader")
    return {"coordinator": coordinator, "inspector": inspector, "staff": staff,
            "staff_two": staff_two, "other_staff": other_staff, "leader": leader}


@pytest.fixture
def item(tree, people):
    return factories.file_item(tree["street_a"], by=people["inspector"])


@pytest.fixture
def photo(tree, people):
    return factories.store_photo_for(tree["street_a"], by=people["staff"])
