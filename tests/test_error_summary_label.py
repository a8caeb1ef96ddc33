"""The error summary names a field by its label and adds a colon: a label that ends in its own
question mark or colon does not get a second mark (issue 15 review)."""

from django import forms
from django.template.loader import render_to_string
from django.utils import translation

from tests import html_checks


class _Form(forms.Form):
    note = forms.CharField(label="还有什么问题？")
    place = forms.CharField(label="Place:")
    name = forms.CharField(label="名称")


def test_the_summary_gives_each_label_one_mark_before_the_error():
    form = _Form(data={})
    with translation.override("zh-hans"):
        html = render_to_string("includes/_error_summary.html", {"form": form})
    assert ">还有什么问题：这个字段是必填项。</a>" in html
    assert ">Place：这个字段是必填项。</a>" in html
    assert ">名称：这个字段是必填项。</a>" in html
    assert "？：" not in html and "::" not in html
    assert html_checks.read(html).summaries == [["id_note", "id_place", "id_name"]]
