"""The supervision notice (督办单) as an official document (GB/T 9704—2012): the issuing office's
red heading, its number, the subject, the unit addressed, the text, the items and tasks named,
the reply date, the office and the date of issue, and the imprint (版记): the bodies it is
copied to, the issuing office and the date it was printed (the date of issue)."""

from collections.abc import Sequence

from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.calendar import campaign_zone
from campaign.documents.numbers import document_copies_to, document_office
from campaign.documents.official import OfficialDocument
from campaign.models import Task
from inspections.models import Notice, Rectification


def notice_document(notice: Notice, items: Sequence[Rectification],
                    tasks: Sequence[Task]) -> OfficialDocument:
    """The notice as sent. `notice` with its campaign, unit and issuer loaded; the items and
    tasks it names (at most MAX_ITEMS and MAX_TASKS, bounded when it was issued)."""
    zone = campaign_zone(notice.campaign)

    def local(moment, pattern: str = "%Y-%m-%d %H:%M") -> str:
        return timezone.localtime(moment, zone).strftime(pattern)

    issued = timezone.localtime(notice.issued_at, zone).date()
    doc = OfficialDocument(
        office=document_office(notice.issuer), number=notice.code,
        title=_("Supervision notice on %(subject)s") % {"subject": notice.subject},
        addressee=notice.unit.name, date=issued, copies_to=document_copies_to(notice.issuer),
        printer=document_office(notice.issuer), printed=issued,
    )
    for line in notice.body.splitlines():
        if line.strip():
            doc.paragraph(line.strip())
    if items:
        doc.heading(_("Items to rectify"))
        doc.table(
            [_("Code"), _("Title"), _("Responsible unit"), _("Deadline"), _("Status")],
            [[item.code, item.title, item.unit.name, local(item.deadline, "%Y-%m-%d"),
              item.get_status_display()] for item in items],
            widths_mm=[34, 50, 26, 25, 21], align="llllc")
    if tasks:
        doc.heading(_("Tasks"))
        doc.table(
            [_("Code"), _("Task"), _("Responsible unit"), _("Due")],
            [[task.code, task.title, task.unit.name, task.due.strftime("%Y-%m-%d")]
             for task in tasks],
            widths_mm=[34, 66, 31, 25], align="lllc")
    doc.paragraph(_("Please reply in writing by %(at)s.") % {"at": local(notice.reply_by)})
    return doc
