import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from campaign.documents.names import MAX_COPIES_TO
from campaign.documents.numbers import document_copies_to
from campaign.models import Unit


@pytest.mark.parametrize(("setting", "bodies"), [
    ("", []),
    ("市委办公厅，市政府办公厅", ["市委办公厅", "市政府办公厅"]),
    (" 市委办公厅、市政府办公厅 ,市文明办,， ", ["市委办公厅", "市政府办公厅", "市文明办"]),
    ("市委办公厅；市政府办公厅;市文明办\n市城管局 市公安局", [
        "市委办公厅", "市政府办公厅", "市文明办", "市城管局", "市公安局"]),
])
def test_document_copies_to_splits_trims_and_drops_empty(setting, bodies):
    assert document_copies_to(Unit(name="甲区", document_copies_to=setting)) == bodies


def test_document_copies_to_is_bounded():
    setting = "、".join(f"局{n}" for n in range(30))
    bodies = document_copies_to(Unit(name="甲区", document_copies_to=setting))
    assert MAX_COPIES_TO == 20
    assert bodies == [f"局{n}" for n in range(20)]


def test_more_bodies_than_the_line_holds_are_refused_with_their_number():
    unit = Unit(name="甲区", key="jia", document_copies_to="、".join(f"局{n}" for n in range(21)))
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        unit.clean_fields(exclude=[f.name for f in Unit._meta.fields if f.name != "document_copies_to"])
    assert refused.value.message_dict == {"document_copies_to": ["最多可填写 20 个机关，现填写了 21 个。"]}
    unit.document_copies_to = "、".join(f"局{n}" for n in range(20))
    unit.clean_fields(exclude=[f.name for f in Unit._meta.fields if f.name != "document_copies_to"])
