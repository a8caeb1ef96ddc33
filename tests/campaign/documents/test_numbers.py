import pytest

from campaign.documents.numbers import MAX_COPIES_TO, document_copies_to
from campaign.models import Unit


@pytest.mark.parametrize(("setting", "bodies"), [
    ("", []),
    ("市委办公厅，市政府办公厅", ["市委办公厅", "市政府办公厅"]),
    (" 市委办公厅、市政府办公厅 ,市文明办,， ", ["市委办公厅", "市政府办公厅", "市文明办"]),
])
def test_document_copies_to_splits_trims_and_drops_empty(setting, bodies):
    assert document_copies_to(Unit(name="甲区", document_copies_to=setting)) == bodies


def test_document_copies_to_is_bounded():
    setting = "、".join(f"局{n}" for n in range(30))
    bodies = document_copies_to(Unit(name="甲区", document_copies_to=setting))
    assert MAX_COPIES_TO == 20
    assert bodies == [f"局{n}" for n in range(20)]
