import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from campaign.tree import indent_class


class TaskBoardTable(tables.Table):
    """Rows are tasks with campaign.tasks.services.attach_progress applied (a list, in tree order)."""

    region_label = _("Tasks")  # names its scrolling region (templates/django_tables2/)
    task = tables.TemplateColumn(template_name="campaign/_task_cell.html", verbose_name=_("Task"),
                                 orderable=False, accessor="title")
    progress = tables.TemplateColumn(template_name="campaign/_task_bars.html",
                                     verbose_name=_("Progress against time"), orderable=False,
                                     accessor="percent", attrs={"td": {"class": "task-bars"}})

    class Meta:
        attrs = {"class": "table table-sm align-middle task-board", "id": "task-board"}
        row_attrs = {"data-status": lambda record: record.status,
                     "class": lambda record: indent_class(record.level)}
        orderable = False
        per_page = 50  # also when ?per_page=0
