"""Open311 GeoReport v2 (/open311/v2/): the documents have the specification's fields, in its
order and of its types (compared with the example documents in open311_examples/), for a fixture
world of citizen reports in every state; filters, status mapping, paging and every refusal; and
filing a citizen report with a write token's key."""

import datetime as dt
import json
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from campaign.enums import Role
from inspections import services, workflow
from inspections.enums import CitizenReportStatus, EventAction
from inspections.models import CitizenReport
from integrations import tokens
from integrations.open311 import forms, views
from integrations.open311 import services as open311_services
from integrations.open311.services import request_id
from tests import factories

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).parent / "open311_examples"
NOW = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)        # 10:00 in Shanghai
CONTACT = "13800138000"


def days_ago(days: float, hours: float = 0) -> dt.datetime:
    return NOW - dt.timedelta(days=days, hours=hours)


def example_json(name: str):
    return json.loads((EXAMPLES / f"{name}.json").read_text())


def example_xml(name: str) -> ET.Element:
    return ET.fromstring((EXAMPLES / f"{name}.xml").read_bytes())


def json_type(value) -> str:
    return {bool: "boolean", int: "number", float: "number", str: "string", list: "array",
            dict: "object"}[type(value)] if value is not None else "null"


def assert_json_like(ours: list, example: list, *, nullable=()):
    """Same fields in the same order, each of a JSON type the example rows give it (or null:
    an empty value; a field the examples always fill is null only when named in `nullable`)."""
    assert ours, "compare a document with rows"
    for row in ours:
        assert list(row) == list(example[0])
        for field, value in row.items():
            types = {json_type(sample[field]) for sample in example}
            assert json_type(value) in types | {"null"}, field
            if field not in nullable and "null" not in types:
                assert value is not None, field


def element_shape(element: ET.Element):
    return (element.tag, tuple(element_shape(child) for child in element))


def assert_xml_like(body: bytes, example: ET.Element):
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    ours = ET.fromstring(body)
    assert ours.tag == example.tag
    assert len(ours)
    assert {element_shape(row) for row in ours} == {element_shape(row) for row in example}


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(tree, people):
    campaign = tree["city"].campaign
    standard = factories.StandardFactory(campaign=campaign, key="env", name="环境整治")
    litter = factories.CategoryFactory(standard=standard, key="litter", name="乱扔垃圾", order=1)
    parking = factories.CategoryFactory(standard=standard, key="parking", name="乱停乱放", order=2)
    factories.CategoryFactory(standard__campaign=campaign, standard__is_active=False,
                              key="old", name="旧类别")
    other_root = factories.UnitFactory(parent=None, kind="headquarters", name="另一指挥部")
    office, staff = people["coordinator"], people["staff"]

    def report(days, description, *, category=litter, **fields):
        with time_machine.travel(days_ago(days), tick=False):
            made = services.report_problem(
                campaign=fields.pop("campaign", campaign), description=description,
                location=fields.pop("location", "甲街口"), contact=CONTACT, **fields)
        made.category = category
        made.save()
        return made

    def accept(made, days):
        with time_machine.travel(days_ago(days), tick=False):
            return services.accept_report(made, unit=tree["street_a"], title=made.description,
                                          deadline=days_ago(days - 3).replace(hour=15), by=office)

    new = report(1, "垃圾桶满溢 <溢出> & 异味", latitude=Decimal("37.870000"),
                 longitude=Decimal("112.550000"))
    accepted = report(4, "车辆占用盲道", category=parking)
    item = accept(accepted, 3)
    with time_machine.travel(days_ago(2), tick=False):
        workflow.acknowledge(item, by=staff, version=None)
    closed = report(10, "井盖缺失")
    fixed = accept(closed, 9)
    with time_machine.travel(days_ago(8), tick=False):
        services.take_step(workflow.STEPS[EventAction.SUBMITTED], fixed, by=staff, version=None,
                           uploads=[factories.make_jpeg()])
    with time_machine.travel(days_ago(7), tick=False):
        fixed.refresh_from_db()
        workflow.close(fixed, by=office, version=None, method="service")
    voided = report(20, "路灯不亮")
    void_item = accept(voided, 19)
    with time_machine.travel(days_ago(18), tick=False):
        workflow.void(void_item, by=office, version=None, reason="非本市管辖")
    rejected = report(30, "重复上报")
    with time_machine.travel(days_ago(29), tick=False):
        services.reject_report(rejected, reason="与另一报告重复", by=office)
    old = report(120, "很久以前的问题")
    other = report(2, "另一城市的问题", campaign=other_root.campaign, category=None)
    for made in (new, accepted, closed, voided, rejected, old, other):
        made.refresh_from_db()
    return {"campaign": campaign, "other_campaign": other_root.campaign, "litter": litter,
            "parking": parking, "new": new, "accepted": accepted, "closed": closed,
            "voided": voided, "rejected": rejected, "old": old, "other": other, "item": item,
            "tree": tree, "people": people, "other_root": other_root}


def get(path: str, fmt: str = "json", **params):
    return Client().get(f"/open311/v2/{path}.{fmt}", params)


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["service_request_id"] for row in json.loads(response.content)]


# ---- services --------------------------------------------------------------------------

def test_services_are_the_categories_of_the_standards_in_force(world):
    response = get("services")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    rows = json.loads(response.content)
    assert rows == [
        {"service_code": "env.litter", "service_name": "乱扔垃圾", "description": None,
         "metadata": False, "type": "realtime", "keywords": None, "group": "环境整治"},
        {"service_code": "env.parking", "service_name": "乱停乱放", "description": None,
         "metadata": False, "type": "realtime", "keywords": None, "group": "环境整治"},
    ]
    assert_json_like(rows, example_json("services"), nullable=("description", "keywords"))


def test_services_xml_has_the_specification_elements(world):
    response = get("services", "xml")
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert_xml_like(response.content, example_xml("services"))
    first = ET.fromstring(response.content)[0]
    assert [(child.tag, child.text) for child in first] == [
        ("service_code", "env.litter"), ("service_name", "乱扔垃圾"), ("description", None),
        ("metadata", "false"), ("type", "realtime"), ("keywords", None), ("group", "环境整治")]


def test_services_of_another_jurisdiction_and_an_unknown_one(world):
    factories.CategoryFactory(standard__campaign=world["other_campaign"], key="noise",
                              standard__key="city", name="噪声")
    assert [row["service_code"] for row in json.loads(
        get("services", jurisdiction_id=world["other_campaign"].key).content)] == ["city.noise"]
    response = get("services", jurisdiction_id="nowhere")
    assert response.status_code == 404
    assert json.loads(response.content) == [
        {"code": 404, "description": "没有此 jurisdiction_id 的辖区。"}]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_service_definition_has_no_attributes(world, fmt):
    response = get("services/env.litter", fmt)
    assert response.status_code == 200
    if fmt == "json":
        assert json.loads(response.content) == {"service_code": "env.litter", "attributes": []}
        assert list(json.loads(response.content)) == list(example_json("service_definition"))
    else:
        assert element_shape(ET.fromstring(response.content)) == element_shape(
            example_xml("service_definition"))
    assert get("services/env.nothing", fmt).status_code == 404


# ---- service requests ------------------------------------------------------------------

def test_requests_list_the_last_90_days_newest_first_without_rejected_ones(world):
    assert codes(get("requests")) == [request_id(world[key])
                                      for key in ("new", "accepted", "closed", "voided")]


def test_a_request_has_every_field_of_the_specification(world):
    rows = json.loads(get("requests").content)
    assert_json_like(rows, example_json("requests"), nullable=(
        "status_notes", "description", "expected_datetime", "address_id", "zipcode", "lat",
        "long", "media_url"))
    accepted = world["accepted"]
    assert rows[1] == {
        "service_request_id": request_id(accepted), "status": "open",
        "status_notes": "已签收", "service_name": "乱停乱放", "service_code": "env.parking",
        "description": "车辆占用盲道", "agency_responsible": "甲街道", "service_notice": None,
        "requested_datetime": "2026-06-11T10:00:00+08:00",
        "updated_datetime": "2026-06-13T10:00:00+08:00",   # acknowledged
        "expected_datetime": "2026-06-15T23:00:00+08:00",
        "address": "甲街口", "address_id": None, "zipcode": None, "lat": None, "long": None,
        "media_url": None,
    }
    assert rows[0]["lat"] == 37.87 and rows[0]["long"] == 112.55
    assert rows[0]["description"] == "垃圾桶满溢 <溢出> & 异味"


def test_requests_xml_has_the_specification_elements_with_text_intact(world):
    response = get("requests", "xml")
    assert_xml_like(response.content, example_xml("requests"))
    first = ET.fromstring(response.content)[0]
    assert first.findtext("description") == "垃圾桶满溢 <溢出> & 异味"
    assert first.findtext("lat") == "37.87" and first.findtext("status") == "open"
    assert first.findtext("agency_responsible") == ""


@pytest.mark.parametrize(("key", "status", "notes"), [
    ("new", "open", "待受理"),
    ("accepted", "open", "已签收"),
    ("closed", "closed", "已结案"),
    ("voided", "closed", "已作废"),
    ("rejected", "closed", "与另一报告重复"),
])
def test_statuses_map_to_open_and_closed(world, key, status, notes):
    row = json.loads(get(f"requests/{request_id(world[key])}").content)[0]
    assert (row["status"], row["status_notes"]) == (status, notes)
    # A closed request expects nothing more.
    assert (row["expected_datetime"] is None) == (status == "closed" or key == "new")


def test_requests_filter_by_status_service_and_dates(world):
    code = {key: request_id(world[key]) for key in ("new", "accepted", "closed", "voided", "old")}
    assert codes(get("requests", status="open")) == [code["new"], code["accepted"]]
    assert codes(get("requests", status="closed")) == [code["closed"], code["voided"]]
    assert codes(get("requests", status="open,closed")) == codes(get("requests"))
    assert codes(get("requests", service_code="env.parking")) == [code["accepted"]]
    assert codes(get("requests", service_code="env.parking,env.litter", status="closed")) == [
        code["closed"], code["voided"]]
    assert codes(get("requests", start_date="2026-06-04T00:00:00+08:00",
                     end_date="2026-06-12")) == [code["accepted"], code["closed"]]
    assert codes(get("requests", start_date="2026-01-01")) == [
        code["new"], code["accepted"], code["closed"], code["voided"], code["old"]]
    assert codes(get("requests", end_date="2026-02-20T00:00:00Z")) == [code["old"]]


def test_a_list_of_ids_overrides_the_other_filters(world):
    wanted = f"{request_id(world['old']).upper()}, {request_id(world['new'])}," \
             f"{request_id(world['rejected'])},{request_id(world['other'])}"
    assert codes(get("requests", service_request_id=wanted, status="closed")) == [
        request_id(world["new"]), request_id(world["old"])]


def test_requests_come_in_bounded_pages(world):
    assert codes(get("requests", page_size=3)) == codes(get("requests"))[:3]
    assert codes(get("requests", page_size=3, page=2)) == codes(get("requests"))[3:]
    assert codes(get("requests", page_size=3, page=3)) == []
    assert codes(get("requests", page_size=forms.MAX_PAGE_SIZE, page=forms.MAX_PAGE)) == []
    for params in ({"page_size": forms.MAX_PAGE_SIZE + 1}, {"page_size": 0},
                   {"page": forms.MAX_PAGE + 1}, {"page": "x"}):
        assert get("requests", **params).status_code == 400


def test_the_default_page_holds_50(world):
    reports = [CitizenReport(campaign=world["campaign"], tracking_code=f"BULK{n:06d}",
                             description="问题", location="某处") for n in range(51)]
    CitizenReport.objects.bulk_create(reports)
    assert len(codes(get("requests"))) == forms.DEFAULT_PAGE_SIZE == 50


def test_the_list_costs_the_same_queries_whatever_its_length(world):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert get("requests", page_size=200).status_code == 200
        return len(queries)

    few = count()
    for n in range(3):
        made = services.report_problem(campaign=world["campaign"], description=f"问题{n}",
                                       location="某处")
        services.accept_report(made, unit=world["tree"]["street_b"], title="问题",
                               deadline=NOW + dt.timedelta(days=3),
                               by=world["people"]["coordinator"])
    assert count() == few == 2     # the jurisdiction, the page (with its items and categories)


@pytest.mark.parametrize(("params", "message"), [
    ({"start_date": "yesterday"}, "start_date: 不是 W3C 日期时间，例如 2026-11-05T08:15:30+08:00。"),
    ({"end_date": "2026-02-30"}, "end_date: 不是 W3C 日期时间，例如 2026-11-05T08:15:30+08:00。"),
    ({"start_date": "2026-06-10", "end_date": "2026-06-01"}, "end_date: 结束日期早于开始日期。"),
    ({"status": "pending"}, "status: 请给出 open、closed 或两者。"),
    ({"service_code": "env.nothing"}, "service_code: 没有服务的代码是 env.nothing。"),
    ({"service_request_id": ",".join(["A"] * 201)}, "service_request_id: 至多 200 个值。"),
    ({"service_request_id": "1" * 36}, "service_request_id: 有一个值太长。"),
    ({"jurisdiction_id": "no such/key"},
     "jurisdiction_id: 输入由字母，数字，下划线或连字符号组成的有效“字段”。"),
])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_malformed_parameter_is_a_400_error_document(world, params, message, fmt):
    response = get("requests", fmt, **params)
    assert response.status_code == 400
    if fmt == "json":
        assert json.loads(response.content) == [{"code": 400, "description": message}]
        assert_json_like(json.loads(response.content), example_json("errors"))
    else:
        assert_xml_like(response.content, example_xml("errors"))
        assert ET.fromstring(response.content)[0].findtext("description") == message


def test_one_request_by_its_id_in_its_jurisdiction_only(world):
    other = request_id(world["other"])
    response = get(f"requests/{request_id(world['new']).upper()}", "xml")
    assert response.status_code == 200
    assert_xml_like(response.content, example_xml("requests"))
    missing = get(f"requests/{other}")
    assert missing.status_code == 404
    assert json.loads(missing.content) == [
        {"code": 404, "description": "没有此 service_request_id 的服务请求。"}]
    assert codes(get(f"requests/{other}", jurisdiction_id=world["other_campaign"].key)) == [other]
    assert get("requests/" + "X" * 300).status_code == 404
    # A NUL (PostgreSQL refuses it in a query) or other non-code characters: not found.
    for code in ("AB%00C", "%E4%B8%AD", "A-B"):
        response = get(f"requests/{code}")
        assert response.status_code == 404
        assert json.loads(response.content)[0]["code"] == 404


def test_no_request_gives_away_a_tracking_code(client, world):
    """The tracking code opens the tracking page's after-photos and the follow-up answer: the
    public list must not hand it out, and it does not open a request either."""
    closed = world["closed"]
    bodies = [get("requests", start_date="2026-01-01").content,
              get("requests", "xml", start_date="2026-01-01").content,
              get(f"requests/{request_id(closed)}").content]
    for body in bodies:
        for made in CitizenReport.objects.all():
            assert made.tracking_code.encode() not in body
    assert get(f"requests/{closed.tracking_code}").status_code == 404
    assert codes(get("requests", service_request_id=closed.tracking_code)) == []
    # An id with a wrong signature, or of a report that is not there: not found.
    number, signature = request_id(closed).split("-")
    forged = "0" * 16 if signature != "0" * 16 else "1" * 16
    for wrong in (f"{number}-{forged}", f"{number}-", f"{closed.pk + 1000}-{signature}", number,
                  f"-{signature}", "0-" + signature):
        assert get(f"requests/{wrong}").status_code == 404, wrong


def test_no_request_carries_personal_data(world):
    bodies = [get("requests", start_date="2026-01-01").content,
              get("requests", "xml", start_date="2026-01-01").content,
              get(f"requests/{request_id(world['rejected'])}").content]
    for body in bodies:
        assert CONTACT.encode() not in body and b"contact" not in body
        assert world["people"]["coordinator"].username.encode() not in body


def test_unknown_resources_and_methods_are_error_documents(world):
    client = Client()
    response = client.get("/open311/v2/requests.csv")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")
    response = client.get("/open311/v2/discovery.xml")
    assert response.status_code == 404
    assert_xml_like(response.content, example_xml("errors"))
    response = client.put("/open311/v2/requests.json")
    assert response.status_code == 405
    assert json.loads(response.content)[0]["code"] == 405
    assert client.post("/open311/v2/services.json").status_code == 405


# ---- filing a request ------------------------------------------------------------------

@pytest.fixture
def key(world):
    def issue(access="write", unit=None):
        account = factories.UserFactory()
        factories.MembershipFactory(user=account, unit=unit or world["tree"]["city"],
                                    role=Role.COORDINATOR)
        return tokens.issue(name="12345 热线", user=account, unit=unit or world["tree"]["city"],
                            access=access, by=world["people"]["coordinator"])[1]
    return issue


def post(fmt: str = "json", **data):
    # A machine's call: no cookie, no CSRF token.
    return Client(enforce_csrf_checks=True).post(f"/open311/v2/requests.{fmt}", data)


FILING = {"service_code": "env.parking", "description": "电动车堵住消防通道",
          "address_string": "迎泽大街 1 号", "first_name": "三", "last_name": "张",
          "phone": "13900139000", "email": "zhang@example.com",
          "media_url": "https://example.com/photo.jpg"}


def test_a_write_key_files_a_citizen_report(world, key):
    response = post(api_key=key(), lat="37.8612345678", long="112.56", **FILING)
    assert response.status_code == 201
    rows = json.loads(response.content)
    assert_json_like(rows, example_json("request_created"), nullable=("service_notice",))
    report = CitizenReport.objects.get(pk=open311_services.report_pk(rows[0]["service_request_id"]))
    # The tracking code (the reporter's key) goes to the filer only, never as the request's id.
    assert rows == [{"service_request_id": request_id(report),
                     "service_notice": f"报告人凭查询码 {report.tracking_code} 跟进。",
                     "account_id": None}]
    assert (report.campaign, report.category, report.status) == (
        world["campaign"], world["parking"], CitizenReportStatus.NEW)
    assert (report.description, report.location, report.contact) == (
        "电动车堵住消防通道", "迎泽大街 1 号", "张 三 13900139000 zhang@example.com")
    assert (report.latitude, report.longitude) == (Decimal("37.861235"), Decimal("112.560000"))
    assert report.created_at == NOW and not report.photos.exists()
    assert codes(get(f"requests/{request_id(report)}")) == [request_id(report)]


def test_a_request_filed_in_xml_with_coordinates_only(world, key):
    data = {**FILING, "address_string": "", "first_name": "", "last_name": "", "email": "",
            "phone": ""}
    response = post("xml", api_key=key(), lat="37.86", long="112.56", **data)
    assert response.status_code == 201
    assert_xml_like(response.content, example_xml("request_created"))
    code = ET.fromstring(response.content)[0].findtext("service_request_id")
    report = CitizenReport.objects.get(pk=open311_services.report_pk(code))
    assert (report.location, report.contact) == ("37.860000, 112.560000", "")


def test_filing_needs_a_write_key_of_the_jurisdiction(world, key):
    read_key = key("read")
    other_unit = factories.UnitFactory(parent=world["other_root"], kind="district", name="丙区")
    jurisdiction = world["campaign"].key
    for api_key in ("", "ct_wrong", read_key, key(unit=other_unit)):
        response = post(api_key=api_key, jurisdiction_id=jurisdiction, **FILING)
        assert response.status_code == 403
        assert json.loads(response.content)[0]["code"] == 403
    assert json.loads(post(api_key=key(unit=other_unit), jurisdiction_id=jurisdiction,
                           **FILING).content) == [
        {"code": 403, "description": "api_key: 此令牌不服务于该辖区。"}]
    # Without jurisdiction_id, a token files in its own campaign (which has no such service).
    assert json.loads(post(api_key=key(unit=other_unit), **FILING).content) == [
        {"code": 400, "description": "service_code: 没有服务的代码是 env.parking。"}]
    # Without a key, nothing else is looked at.
    assert post(description="", service_code="nothing").status_code == 403
    assert json.loads(post(api_key=read_key, **FILING).content) == [
        {"code": 403, "description": "api_key: 没有可提交请求的令牌使用此密钥。"}]
    assert not CitizenReport.objects.filter(description=FILING["description"]).exists()


@pytest.mark.parametrize(("changes", "message"), [
    ({"service_code": "env.nothing"}, "service_code: 没有服务的代码是 env.nothing。"),
    ({"service_code": ""}, "service_code: 这个字段是必填项。"),
    ({"address_string": ""}, "请给出 lat 和 long，或 address_string。"),
    ({"lat": "37.8"}, "lat 和 long 请都给出，或都不给。"),
    ({"lat": "91", "long": "1"}, "lat: 不是 -90 到 90 之间的坐标。"),
    ({"lat": "NaN", "long": "1"}, "lat: 不是 -90 到 90 之间的坐标。"),
    ({"description": "长" * 1001}, "description: 确保该变量包含不超过 1000 字符 (目前字符数 1001)。"),
    ({"first_name": "很" * 40, "last_name": "长" * 20},
     "姓名、电话和电子邮件合计至多 60 个字符。"),
    ({"email": "not an email"}, "email: 输入一个有效的 Email 地址。"),
])
def test_a_refused_filing_is_a_400_error_document(world, key, changes, message):
    response = post(api_key=key(), **{**FILING, **changes})
    assert response.status_code == 400
    assert json.loads(response.content) == [{"code": 400, "description": message}]
    assert not CitizenReport.objects.filter(description=FILING["description"]).exists()


def test_filing_is_rate_limited_per_key(world, key, monkeypatch):
    monkeypatch.setattr(views, "FILED_PER_MINUTE", 2)
    first, second = key(), key()
    assert [post(api_key=first, **FILING).status_code for _ in range(3)] == [201, 201, 429]
    response = post(api_key=first, **FILING)
    assert response["Retry-After"] == "60"
    assert json.loads(response.content)[0]["code"] == 429
    assert post(api_key=second, **FILING).status_code == 201
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        assert post(api_key=first, **FILING).status_code == 201
