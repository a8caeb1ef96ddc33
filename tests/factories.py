import datetime as dt
from decimal import Decimal

import factory

from campaign.models import Campaign, Category, Criterion, Membership, Point, Standard, Unit, User
from campaign.services import create_unit


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    key = factory.Sequence(lambda n: f"campaign-{n}")
    name = factory.Sequence(lambda n: f"创城{n}")
    city = "太原市"
    start = dt.date(2019, 1, 1)
    end = dt.date(2020, 12, 31)


class UnitFactory(factory.django.DjangoModelFactory):
    """Builds through services.create_unit, so path and depth are real."""

    class Meta:
        model = Unit

    parent = None
    kind = "street"
    name = factory.Sequence(lambda n: f"单位{n}")
    code = factory.Sequence(lambda n: f"U{n}")

    @classmethod
    def _create(cls, model_class, *args, parent=None, campaign=None, **kwargs):
        return create_unit(parent=parent, campaign=campaign, **kwargs)

    @factory.lazy_attribute
    def campaign(self):
        return self.parent.campaign if self.parent else CampaignFactory()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    role = "unit_staff"


class StandardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Standard
        skip_postgeneration_save = True

    campaign = factory.SubFactory(CampaignFactory)
    key = factory.Sequence(lambda n: f"standard-{n}")
    name = factory.Sequence(lambda n: f"测评体系{n}")

    @factory.post_generation
    def units(self, create, extracted, **kwargs):
        """Bound to the given units; by default to the campaign's root (city-wide)."""
        if not create:
            return
        if extracted is None:
            extracted = Unit.objects.filter(campaign=self.campaign, parent=None)
        self.units.set(extracted)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    standard = factory.SubFactory(StandardFactory)
    key = factory.Sequence(lambda n: f"category-{n}")
    name = factory.Sequence(lambda n: f"类别{n}")


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    category = factory.SubFactory(CategoryFactory)
    key = factory.Sequence(lambda n: f"criterion-{n}")
    name = factory.Sequence(lambda n: f"测评项{n}")
    points = Decimal("2")
    deadline_days = 3
    point_kinds = factory.LazyFunction(list)


class PointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Point

    unit = factory.SubFactory(UnitFactory)
    campaign = factory.LazyAttribute(lambda point: point.unit.campaign)
    kind = "back_street"
    code = factory.Sequence(lambda n: f"P{n:05d}")
    name = factory.Sequence(lambda n: f"点位{n}")


# --- Issue 5: campaign tasks and progress -------------------------------------------------
class TaskFactory(factory.django.DjangoModelFactory):
    """Builds through campaign.tasks.services.create_task, so path and code are real."""

    class Meta:
        model = "campaign.Task"

    unit = factory.SubFactory(UnitFactory)
    parent = None
    title = factory.Sequence(lambda n: f"任务{n}")
    category = "back_street"
    start = dt.date(2019, 1, 1)
    due = dt.date(2019, 12, 31)
    target = Decimal("100")
    measure = "条"
    lead = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from campaign.tasks.services import create_task

        kwargs.setdefault("by", None)
        return create_task(**kwargs)


class ProgressFactory(factory.django.DjangoModelFactory):
    """A report written straight to the table (tests of reading); services write real ones."""

    class Meta:
        model = "campaign.Progress"

    task = factory.SubFactory(TaskFactory)
    quantity = Decimal("10")
    reported_on = dt.date(2019, 3, 1)
    reported_at = factory.LazyFunction(lambda: dt.datetime(2019, 3, 1, 10, tzinfo=dt.UTC))


# ---- issue 3: the closed loop (items are filed through the workflow, never written raw) ----

def make_jpeg(width: int = 64, height: int = 48, colour=(200, 80, 40), name: str = "photo.jpg"):
    """An uploaded JPEG, as a phone would send it."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def file_item(unit, *, by, deadline=None, title="占道经营", **fields):
    """A rectification item filed for `unit` by `by` (who needs an inspecting role there)."""
    from django.utils import timezone

    from inspections import workflow

    item = workflow.file_rectification(
        unit=unit, title=title, by=by,
        deadline=deadline or timezone.now() + dt.timedelta(days=3), **fields,
    )
    if fields.get("at") is not None:
        # Filed `at` a past moment, as if entered then (the workflow stamps the row's writing
        # with the clock): a test of a step entered late pins the clock instead.
        item.events.update(recorded_at=fields["at"])
    return item


def login(client, user):
    """The test client, logged in as `user`."""
    client.force_login(user)
    return client


def store_photo_for(unit, *, by):
    from campaign.photos import store_photo

    return store_photo(make_jpeg(), unit=unit, by=by)


# issue 4: visits, findings and items with their events, built directly for scoring tests
class InspectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "inspections.Inspection"

    point = factory.SubFactory(PointFactory)
    unit = factory.LazyAttribute(lambda visit: visit.point.unit)
    campaign = factory.LazyAttribute(lambda visit: visit.point.campaign)
    inspector = factory.SubFactory(UserFactory)
    mode = "covert"
    visited_at = dt.datetime(2019, 7, 10, 10, 0, tzinfo=dt.UTC)
    points_possible = Decimal("100")
    points_deducted = Decimal("0")


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "inspections.Finding"

    inspection = factory.SubFactory(InspectionFactory)
    criterion = factory.SubFactory(CriterionFactory)
    points = Decimal("2")


class RectificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "inspections.Rectification"

    code = factory.Sequence(lambda n: f"ZG{n:06d}")
    unit = factory.SubFactory(UnitFactory)
    campaign = factory.LazyAttribute(lambda item: item.unit.campaign)
    source = "standalone"
    title = factory.Sequence(lambda n: f"整改事项{n}")
    status = "open"
    deadline = dt.datetime(2019, 7, 15, 10, 0, tzinfo=dt.UTC)
    created_by = factory.SubFactory(UserFactory)
    created_at = dt.datetime(2019, 7, 1, 10, 0, tzinfo=dt.UTC)


class RectificationEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "inspections.RectificationEvent"

    rectification = factory.SubFactory(RectificationFactory)
    action = "submitted"
    from_status = "open"
    to_status = "submitted"
    actor = factory.SubFactory(UserFactory)
    created_at = dt.datetime(2019, 7, 12, 10, 0, tzinfo=dt.UTC)
