import datetime as dt
import io
from decimal import Decimal as D

import pytest
from docx import Document
from playwright.sync_api import expect

from campaign.enums import Role
from campaign.periods import Month
from inspections.rankings.services import publish_bulletin
from tests import factories
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_leader_downloads_the_bulletin_as_an_official_document(page, live_server, login):
    district = factories.UnitFactory(kind="district", name="杏花岭区", bulletin_prefix="杏创城",
                                     document_office="杏花岭区创建全国文明城市指挥部办公室")
    streets = [factories.UnitFactory(parent=district, kind="street", name=name, order=n)
               for n, name in enumerate(["巨轮街道", "三桥街道", "鼓楼街道"])]
    for street, lost in zip(streets, ["5", "10", "30"], strict=True):
        point = factories.PointFactory(unit=street, name=f"{street.name}背街小巷")
        for day in (3, 13, 23):
            factories.InspectionFactory(point=point, points_deducted=D(lost),
                                        visited_at=dt.datetime(2019, 7, day, 2, tzinfo=dt.UTC))
    publish_bulletin(district.campaign, Month(2019, 7), district, by=None,
                     now=dt.datetime(2019, 8, 5, 2, tzinfo=dt.UTC))
    coordinator = factories.UserFactory(username="xhl-coordinator", name="区协调员")
    factories.MembershipFactory(user=coordinator, unit=district, role=Role.COORDINATOR)

    login("xhl-coordinator")
    page.goto(f"{live_server.url}/rankings/bulletin/?parent={district.pk}&month=2019-07")
    link = page.get_by_role("link", name="公文（.docx）")
    expect(link).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "月通报-2019-07-杏花岭区.docx"
    document = Document(io.BytesIO(open(download.value.path(), "rb").read()))
    lines = [paragraph.text for paragraph in document.paragraphs]
    assert "杏花岭区创建全国文明城市指挥部办公室" in lines
    assert "杏创城〔2019〕1号" in lines
    ranking = document.tables[0]
    assert [[cell.text for cell in row.cells][:3] for row in ranking.rows] == [
        ["排名", "单位", "月得分"], ["1", "巨轮街道", "95.00"], ["2", "三桥街道", "90.00"],
        ["3", "鼓楼街道", "70.00"]]
    # The rankings page offers the same document.
    page.goto(f"{live_server.url}/rankings/?parent={district.pk}&month=2019-07")
    expect(page.locator("#bulletin-docx")).to_have_attribute(
        "href", f"/rankings/bulletin.docx?parent={district.pk}&month=2019-07&kind=street")
