"""Demo data for the follow-up (issue 16): citizen reports of 涧河街道 filed, fixed and closed,
one published on the public page of fixed reports, answered "satisfied" by its reporter and
"not satisfied" by a second reporter merged into it (so the revisit list has an entry), and one
closed report not answered yet, whose tracking code the command prints to try the follow-up.
Everything goes through the services and the workflow, with generated photos."""

import random

from django.db import transaction

from campaign.demo import DEMO_STREET
from campaign.models import Criterion, Unit, User
from inspections import demo, services, workflow
from inspections.enums import CitizenReportStatus, FeedbackRating, SolvingMethod
from inspections.followup import services as followup
from inspections.models import CitizenReport, Rectification

MARK = "（演示回访）"


def _fixed_report(rng, *, street: Unit, description: str, criterion: Criterion | None,
                  coordinator: User, inspector: User) -> tuple[CitizenReport, Rectification]:
    report = services.report_problem(
        campaign=street.campaign, description=description + MARK, location=f"{street.name}（演示）",
        contact="13800000000", uploads=[demo._photo(rng, "before", (150, 110, 70))])
    item = services.accept_report(report, unit=street, title=description, deadline=None,
                                  by=coordinator, criterion=criterion)
    staff = demo._staff(street)
    after = services.store_photos([demo._photo(rng, "after", (70, 150, 100))], unit=street, by=staff)
    item = workflow.submit(item, by=staff, version=None, photos=after, note="已整改（演示）")
    item = workflow.close(item, by=inspector, version=None, method=SolvingMethod.SERVICE,
                          note="复查合格（演示）")
    report.refresh_from_db()
    return report, item


@transaction.atomic
def create_demo_followup() -> str:
    """Returns what it made, or why nothing."""
    if CitizenReport.objects.filter(description__endswith=MARK).exists():
        return "The follow-up demo is already there."
    rng = random.Random(16)
    street = Unit.objects.get(key=DEMO_STREET)
    coordinator = User.objects.get(username="coordinator")
    inspector = User.objects.get(username="inspector")
    criterion = Criterion.objects.in_force().filter(
        category__standard__campaign=street.campaign).first()
    published, item = _fixed_report(rng, street=street, description="小区门口垃圾堆放",
                                    criterion=criterion, coordinator=coordinator,
                                    inspector=inspector)
    followup.answer(published, rating=FeedbackRating.SATISFIED, comment="清理得很及时（演示）")
    merged = CitizenReport.objects.create(
        campaign=street.campaign, tracking_code=services.new_tracking_code(),
        description="门口垃圾没人管" + MARK, location=f"{street.name}（演示）",
        status=CitizenReportStatus.ACCEPTED, item=item)
    followup.answer(merged, rating=FeedbackRating.NOT_SATISFIED, comment="第二天又堆满了（演示）")
    followup.publish(item, before=followup.before_photos(item).get(),
                     after=followup.after_photos(item).get(), by=coordinator)
    waiting, _item = _fixed_report(rng, street=street, description="人行道井盖破损",
                                   criterion=criterion, coordinator=coordinator,
                                   inspector=inspector)
    return (f"Follow-up demo: {item.code} published on /report/fixed/ and on /reports/revisits/; "
            f"track {waiting.tracking_code} to answer a follow-up.")
