"""The foundation: people, campaigns, the command tree, the standard and the points."""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from campaign import tree
from campaign.documents.names import validate_copies_to
from campaign.enums import DayCount, DeadlineDays, PointKind, Role, TaskCategory, TaskStatus, UnitKind


class User(AbstractUser):
    name = models.CharField(_("name"), max_length=60, blank=True)
    # Moved on by "log out everywhere" (campaign.accounts.services.end_all_sessions): part of the
    # hash every session keeps, so Django ends the person's sessions wherever they are stored.
    session_epoch = models.PositiveIntegerField(_("session epoch"), default=0, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.username

    def get_session_auth_hash(self) -> str:
        return self._session_hash(secret=None)

    def get_session_auth_fallback_hash(self):
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret=secret)

    def _session_hash(self, *, secret: str | None) -> str:
        """Django's hash of the password, with the epoch once it has moved (at 0 it is Django's
        own, so adding the epoch logged nobody out)."""
        epoch = f":{self.session_epoch}" if self.session_epoch else ""
        return salted_hmac(
            "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
            self.password + epoch, secret=secret, algorithm="sha256",
        ).hexdigest()


class Campaign(models.Model):
    key = models.SlugField(_("key"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    city = models.CharField(_("city"), max_length=60)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    time_zone = models.CharField(_("time zone"), max_length=40, default="Asia/Shanghai")
    # Scoring settings (DOMAIN.md "Monthly scoring"); coordinators may change them, a bulletin
    # freezes them, and every change is recorded (inspections.ScoringSettingsChange).
    SCORING_SETTINGS = ("inspection_weight", "min_sample", "bottom_n", "streak_k",
                        "recurrence_deduction")
    # What the scoring settings page edits and records: the scoring settings, and two rules no
    # bulletin freezes: the window of a recurrence (复发; an item's flag is set when it is filed,
    # inspections.recurrence) and how far from its point an after-photo may be taken
    # (inspections.plausibility).
    RULE_SETTINGS = (*SCORING_SETTINGS, "recurrence_days", "photo_distance_m")
    inspection_weight = models.DecimalField(
        _("inspection weight"), max_digits=3, decimal_places=2, default=Decimal("0.80"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    min_sample = models.PositiveSmallIntegerField(
        _("minimum visits to be ranked"), default=3, validators=[MinValueValidator(1)]
    )
    bottom_n = models.PositiveSmallIntegerField(
        _("bottom places watched (N)"), default=1, validators=[MinValueValidator(1)]
    )
    streak_k = models.PositiveSmallIntegerField(
        _("months in a row before accountability (K)"), default=3, validators=[MinValueValidator(1)]
    )
    recurrence_deduction = models.DecimalField(
        _("points off the monthly score per recurrence"), max_digits=4, decimal_places=2,
        default=Decimal("0.00"), validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    recurrence_days = models.PositiveSmallIntegerField(
        _("recurrence window (days after closure)"), default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    # How far from its point an after-photo may be taken before the verifier is warned
    # (inspections.plausibility); edited beside the scoring settings, never frozen by a bulletin.
    photo_distance_m = models.PositiveSmallIntegerField(
        _("photo distance allowed (m)"), default=200,
        validators=[MinValueValidator(10), MaxValueValidator(5000)],
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    # Moves on whenever a unit is moved in the tree (campaign.services.move_unit), so figures
    # cached by subtree (inspections.live) are computed again.
    tree_version = models.PositiveIntegerField(_("tree version"), default=0, editable=False)

    class Meta:
        ordering = ["start", "pk"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A node of the command tree. `path` holds the ids from the root ("00000001/00000007/"), so a subtree
    is one indexed prefix query (campaign.tree); campaign.services writes it."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="units", verbose_name=_("campaign")
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("parent"),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=UnitKind.choices)
    name = models.CharField(_("name"), max_length=120)
    code = models.CharField(_("code"), max_length=12)
    key = models.SlugField(_("seed key"), max_length=60, blank=True)
    path = models.CharField(_("path"), max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    order = models.PositiveIntegerField(_("order"), default=0)
    placeholder = models.BooleanField(
        _("placeholder"), default=False,
        help_text=_("The source gives only a count, not this unit's name."),
    )
    # Supervision notices (督办单) this unit issues are numbered "<prefix>〔year〕N号".
    notice_prefix = models.CharField(
        _("prefix of its supervision notices"), max_length=12, blank=True,
        help_text=_("For example 杏督: its notices are numbered 杏督〔2026〕12号."),
    )
    # Monthly bulletins this unit issues about the units below it are official documents
    # (GB/T 9704—2012): numbered "<prefix>〔year〕N号" under the office's red heading.
    bulletin_prefix = models.CharField(
        _("prefix of its bulletins"), max_length=12, blank=True,
        help_text=_("For example 杏创城: its monthly bulletins are numbered 杏创城〔2026〕8号. "
                    "Empty: the first character of its name and 创城."),
    )
    document_office = models.CharField(
        _("office named on its documents"), max_length=60, blank=True,
        help_text=_("The issuing office printed in red at the head of its bulletins and notices "
                    "and as the office that prints them in their imprint (印发机关), for example "
                    "杏花岭区创建全国文明城市指挥部办公室. Empty: the unit's name."),
    )
    # The imprint (版记) at the end of its bulletins and notices: 抄送 these bodies.
    document_copies_to = models.CharField(
        _("bodies its documents are copied to"), max_length=200, blank=True,
        validators=[validate_copies_to],
        help_text=_("The bodies its bulletins and notices are copied to (抄送), separated by 、 or "
                    "，, at most 20, for example 市委办公厅，市政府办公厅. Empty: no copies line."),
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="unit_code_unique"),
            models.UniqueConstraint(
                fields=["campaign", "key"], condition=~models.Q(key=""), name="unit_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        # Served by inspections, which adds the unit's figures to campaign's page.
        return reverse("inspections:unit-detail", args=[self.pk])

    def ancestor_ids(self) -> list[int]:
        return tree.ancestor_ids(self.path)


class Membership(models.Model):
    """A person's place in a unit with a role; they see that unit's subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships",
        verbose_name=_("user"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("unit")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    title = models.CharField(_("title"), max_length=60, blank=True)

    class Meta:
        ordering = ["unit__path", "role", "user__username"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.get_role_display()}"


class LeaderCharge(models.Model):
    """A leader takes charge of (包联) a unit: they watch its subtree."""

    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="charges",
        verbose_name=_("leader"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="leader_charges", verbose_name=_("unit")
    )
    title = models.CharField(_("title"), max_length=60, blank=True)

    class Meta:
        ordering = ["unit__path", "leader__username"]
        verbose_name = _("leader in charge (包联)")
        verbose_name_plural = _("leaders in charge (包联)")
        constraints = [
            models.UniqueConstraint(fields=["leader", "unit"], name="leader_charge_unique")
        ]

    def __str__(self) -> str:
        return f"{self.leader} → {self.unit}"


class Standard(models.Model):
    """An evaluation standard (测评体系): categories of deductible criteria. It applies to the
    points of the subtrees of the units it is bound to (`units`); bound to none, it applies
    nowhere, so a new standard never changes anyone's points possible until it is bound."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="standards", verbose_name=_("campaign")
    )
    key = models.SlugField(_("key"), max_length=60)
    name = models.CharField(_("name"), max_length=120)
    units = models.ManyToManyField(
        Unit, related_name="standards", blank=True, verbose_name=_("applies to the subtrees of"),
    )
    is_active = models.BooleanField(_("in force"), default=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["campaign", "pk"]
        verbose_name = _("standard")
        verbose_name_plural = _("standards")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "key"], name="standard_key_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    standard = models.ForeignKey(
        Standard, on_delete=models.PROTECT, related_name="categories", verbose_name=_("standard")
    )
    key = models.SlugField(_("key"), max_length=60)
    name = models.CharField(_("name"), max_length=120)
    order = models.PositiveIntegerField(_("order"), default=0)
    source = models.CharField(_("source"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    # Offered to citizens on the public report form (随手拍); an internal category is not.
    public = models.BooleanField(_("offered on the public report form"), default=True)

    class Meta:
        ordering = ["standard", "order", "pk"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(fields=["standard", "key"], name="category_key_unique")
        ]

    def __str__(self) -> str:
        return self.name


# How the seeds word a name the documents do not give ("负面清单事项（第1，名称未见于资料）").
PLACEHOLDER_MARK = "名称未见于资料"


class CriterionQuerySet(models.QuerySet):
    def in_force(self) -> "CriterionQuerySet":
        """Named criteria in force of standards in force. A placeholder (the documents give no
        name) is checked nowhere and counts nowhere until a coordinator names it."""
        return self.filter(
            is_active=True, placeholder=False, category__standard__is_active=True,
        ).select_related("category").order_by(
            "category__standard_id", "category__order", "category_id", "order", "pk")

    def for_unit(self, unit: Unit) -> "CriterionQuerySet":
        """Criteria of the standards bound to the unit or to one of its ancestors."""
        return self.filter(category__standard__in=Standard.objects.filter(
            campaign_id=unit.campaign_id, units__pk__in=tree.parse(unit.path)))


class Criterion(models.Model):
    """A deductible item (测评项): what an inspection checks, what a failure costs, and how long
    the responsible unit gets to fix it by default."""

    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="criteria", verbose_name=_("category")
    )
    key = models.SlugField(_("key"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveIntegerField(_("order"), default=0)
    points = models.DecimalField(
        _("points deducted"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0)]
    )
    deadline_days = models.PositiveSmallIntegerField(
        _("default deadline"), choices=DeadlineDays.choices, default=DeadlineDays.THREE_DAYS
    )
    deadline_count = models.CharField(
        _("deadline counted in"), max_length=8, choices=DayCount.choices, default=DayCount.NATURAL
    )
    # Empty list: applies to every point kind.
    point_kinds = models.JSONField(_("point kinds"), default=list, blank=True)
    is_active = models.BooleanField(_("in force"), default=True)
    placeholder = models.BooleanField(
        _("placeholder"), default=False,
        help_text=_("The source gives only a count, not this criterion's name: inactive until "
                    "a coordinator names it."),
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = CriterionQuerySet.as_manager()

    class Meta:
        ordering = ["category", "order", "pk"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(fields=["category", "key"], name="criterion_key_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def applies_to(self, point_kind: str) -> bool:
        return not self.point_kinds or point_kind in self.point_kinds

    @property
    def point_kind_labels(self) -> list[str]:
        """The point kinds it names, as people read them (an unknown stored value as it is)."""
        labels = dict(PointKind.choices)
        return [str(labels.get(kind, kind)) for kind in self.point_kinds]


class Point(models.Model):
    """A place that is inspected (点位), with the unit that answers for it."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="points", verbose_name=_("campaign")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="points", verbose_name=_("responsible unit")
    )
    kind = models.CharField(_("kind"), max_length=24, choices=PointKind.choices)
    code = models.CharField(_("code"), max_length=24)
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("point")
        verbose_name_plural = _("points")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="point_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


def _photo_path(photo: "Photo", filename: str) -> str:
    return f"photos/{photo.uploaded_at:%Y/%m}/{filename}"


class Photo(models.Model):
    """An uploaded photo, stored re-encoded without EXIF. `unit` decides who may see it: the
    file is private and only served after a permission check. Capture time and GPS are kept
    here as data, read from EXIF before it was stripped."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="photos", verbose_name=_("unit")
    )
    image = models.FileField(_("image"), upload_to=_photo_path, max_length=200)
    thumbnail = models.FileField(_("thumbnail"), upload_to=_photo_path, max_length=200)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256 of the upload"), max_length=64, db_index=True)
    original_name = models.CharField(_("original file name"), max_length=200, blank=True)
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.original_name or f"photo {self.pk}"


class Task(models.Model):
    """A campaign target handed to a unit (任务清单), possibly split into child tasks for units
    below. `path` holds the zero-padded task ids from the top task ("00000003/00000017/"), so a
    task's subtree is one prefix query and ordering by path lists the tree; campaign.tasks.services
    writes it. Progress and status are derived, never stored."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("campaign")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("responsible unit")
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("parent task"),
    )
    path = models.CharField(_("path"), max_length=255, db_index=True, editable=False)
    code = models.CharField(_("code"), max_length=40)
    key = models.SlugField(_("seed key"), max_length=60, blank=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=24, choices=TaskCategory.choices)
    start = models.DateField(_("start date"))
    due = models.DateField(_("due date"))
    target = models.DecimalField(
        _("target quantity"), max_digits=12, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    measure = models.CharField(_("unit of measure"), max_length=20)
    # When the due date was counted from the start (N natural or working days), how: shown beside
    # the date ("10 个工作日"). Empty when a date was picked.
    due_days = models.PositiveSmallIntegerField(_("days to the due date"), null=True, blank=True)
    due_count = models.CharField(
        _("due date counted in"), max_length=8, choices=DayCount.choices, blank=True
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="led_tasks", verbose_name=_("lead leader"),
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # The derived figures campaign.tasks.services.attach_progress sets (declared for the type
    # checker; never stored, absent until it runs).
    done: Decimal
    report_count: int
    child_count: int
    children_target: Decimal | None
    children_gap: Decimal | None
    status: TaskStatus
    percent: Decimal
    time_percent: Decimal

    class Meta:
        ordering = ["path"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="task_code_unique"),
            models.UniqueConstraint(
                fields=["campaign", "key"], condition=~models.Q(key=""), name="task_key_unique"
            ),
            models.CheckConstraint(condition=models.Q(due__gte=models.F("start")),
                                   name="task_due_after_start"),
            models.CheckConstraint(condition=models.Q(target__gt=0), name="task_target_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("task-detail", args=[self.pk])

    @property
    def depth(self) -> int:
        return tree.depth(self.path)


class Progress(models.Model):
    """One progress report (进度): the quantity done since the previous report. Reports are
    never edited: a correction is a new report naming the one it replaces (`corrects`), and
    only reports nobody has corrected count."""

    task = models.ForeignKey(
        Task, on_delete=models.PROTECT, related_name="reports", verbose_name=_("task")
    )
    quantity = models.DecimalField(
        _("quantity done"), max_digits=12, decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    reported_on = models.DateField(_("date of the work"))
    note = models.TextField(_("note"), blank=True)
    over_target_reason = models.TextField(_("reason for going past the target"), blank=True)
    corrects = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="correction",
        verbose_name=_("corrects report"),
    )
    photos = models.ManyToManyField(
        Photo, blank=True, related_name="progress_reports", verbose_name=_("photos")
    )
    # Empty for figures loaded from the seed documents (then `source` names the document).
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("reported by"),
    )
    reported_at = models.DateTimeField(_("reported at"))
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["reported_at", "pk"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="progress_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.task} +{self.quantity}"


# issue 11: the working-day calendar's local part (campaign.calendar reads it)
class CalendarDay(models.Model):
    """A day the campaign's city counts differently from China's official calendar (a local day
    off, or a working day), or one day of a year the `chinesecalendar` package does not know yet,
    entered by a coordinator of the campaign's root."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="calendar_days", verbose_name=_("campaign")
    )
    day = models.DateField(_("day"))
    is_working_day = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=120, blank=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "day"], name="calendar_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.day} {'+' if self.is_working_day else '-'}"


class CalendarYear(models.Model):
    """A year whose holidays and make-up days coordinators have entered by hand (as CalendarDay
    rows) because the package does not know it: its other days follow Monday to Friday."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="calendar_years", verbose_name=_("campaign")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("entered by"),
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("calendar year entered by hand")
        verbose_name_plural = _("calendar years entered by hand")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "year"], name="calendar_year_unique")
        ]

    def __str__(self) -> str:
        return str(self.year)
