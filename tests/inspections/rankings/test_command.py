import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from campaign.periods import Month
from inspections.models import Bulletin
from tests.inspections.conftest import visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def july(district):
    for street, deducted in zip(district["streets"], ["10", "20", "20", "40"], strict=True):
        for _n in range(3):
            visit(district["points"][street.pk], deducted)
    return district


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("rankings", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_table_by_code(july):
    out, _err = run("2019-07", "--parent", july["unit"].code)
    lines = out.splitlines()
    assert "draft" in lines[0]
    assert lines[2].split() == ["1", "90.00", "90.00", "-", "3", "street", "甲街道"]
    assert lines[3].split()[:2] == lines[4].split()[:2] == ["2", "80.00"]


def test_json_by_id_and_csv(july):
    out, _err = run("2019-07", "--parent", str(july["unit"].pk), "--format", "json")
    data = json.loads(out)
    assert [(row["unit"], row["rank"], row["score"]) for row in data["rows"]][-1] == ("戊街道", 4, "60.00")
    out, _err = run("2019-07", "--parent", str(july["unit"].pk), "--format", "csv")
    assert out.splitlines()[0].startswith("rank,unit,code,kind,score")
    assert out.splitlines()[1].startswith("1,甲街道,")


def test_publish_twice_publishes_once(july):
    _out, err = run("2019-07", "--parent", july["unit"].code, "--publish")
    assert "published, revision 1" in err
    out, err = run("2019-07", "--parent", july["unit"].code, "--publish")
    assert "already published" in err and "published revision 1" in out
    assert Bulletin.objects.count() == 1


@pytest.mark.parametrize(("args", "message"), [
    (["2019-13"], "not a month"),
    (["July"], "not a month"),
    (["2019-07", "--parent", "nowhere"], "No unit"),
    (["2019-07", "--parent", "²"], "No unit"),
    (["2019-07", "--parent", "١٢٣٤٥٦٧"], "No unit"),
    (["2019-07", "--parent", "9" * 30], "No unit"),
    (["NEXT-MONTH", "--parent", "PLACEHOLDER", "--publish"], "尚未结束"),
])
def test_clear_errors(july, args, message):
    # Next month, counted from today, has not ended whatever the day the test runs.
    values = {"PLACEHOLDER": july["unit"].code, "NEXT-MONTH": str(Month.of(timezone.localdate()).next())}
    args = [values.get(a, a) for a in args]
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_bad_format_is_refused(july):
    with pytest.raises(CommandError):
        run("2019-07", "--format", "xml")


def test_the_rankings_command_reads_a_superseded_revision(revised):
    code = revised["unit"].code
    old = json.loads(run("2019-07", "--parent", code, "--revision", "1", "--format", "json")[0])
    assert old["status"] == "published revision 1, superseded by a correction"
    assert [(r["unit"], r["rank"], r["score"]) for r in old["rows"]][0] == ("甲街道", 1, "90.00")
    current = json.loads(run("2019-07", "--parent", code, "--format", "json")[0])
    assert current["status"] == "published revision 2"
    assert [(r["unit"], r["rank"], r["score"]) for r in current["rows"]][-1] == ("甲街道", 4, "40.00")
    assert run("2019-07", "--parent", code, "--revision", "2")[0].splitlines()[0].endswith(
        "(published revision 2)")
    with pytest.raises(CommandError, match=r"no revision 3 \(published revisions: 1, 2\)"):
        run("2019-07", "--parent", code, "--revision", "3")
    with pytest.raises(CommandError, match="leave out --publish"):
        run("2019-07", "--parent", code, "--revision", "1", "--publish")
