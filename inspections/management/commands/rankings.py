import csv
import json

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from campaign.http import is_id
from campaign.models import Unit
from campaign.periods import Month
from inspections.rankings.queries import month_ranking
from inspections.rankings.services import BulletinError, publish_bulletin


class Command(BaseCommand):
    help = ("Print a month's rankings of a peer group (the published bulletin, else the draft); "
            "--publish publishes it.")

    def add_arguments(self, parser):
        parser.add_argument("month", help="YYYY-MM")
        parser.add_argument("--parent", help="the peer group's parent unit: code, seed key or id "
                                             "(default: the root of the only campaign)")
        parser.add_argument("--format", choices=["table", "csv", "json"], default="table")
        parser.add_argument("--publish", action="store_true", help="publish the month first")
        parser.add_argument("--revision", help="a published revision of the month, "
                                                         "superseded or not (default: the current one)")

    def handle(self, *args, month, parent, format, publish, revision, **options):
        parsed = Month.parse(month)
        if parsed is None:
            raise CommandError(f"“{month}” is not a month: write it as YYYY-MM, e.g. 2019-07.")
        if revision is not None and publish:
            raise CommandError("--revision reads a published revision: leave out --publish.")
        if revision is not None:
            if not is_id(revision):
                raise CommandError(f"“{revision[:20]}” is not a revision number: write it as 1, 2…")
            revision = int(revision)
        unit = self._parent(parent)
        campaign = unit.campaign
        if publish:
            try:
                bulletin, created = publish_bulletin(campaign, parsed, unit, by=None)
            except BulletinError as error:
                raise CommandError(str(error)) from error
            state = "published" if created else "already published"
            self.stderr.write(f"{unit.name} {parsed}: {state}, revision {bulletin.revision}")
        result, revisions = month_ranking(campaign, parsed, unit, revision=revision)
        if revision is not None and (result.bulletin is None or result.bulletin.revision != revision):
            known = ", ".join(str(b.revision) for b in reversed(revisions)) or "none"
            raise CommandError(f"{unit.name} {parsed} has no revision {revision} "
                               f"(published revisions: {known}).")
        rows = [self._row(line) for kind in result.kinds() for line in result.lines_of(kind)]
        status = "draft" if result.is_draft else f"published revision {result.bulletin.revision}"
        if not result.is_draft and not result.bulletin.is_current:
            status += ", superseded by a correction"
        if format == "json":
            self.stdout.write(json.dumps({
                "parent": {"id": unit.pk, "code": unit.code, "name": unit.name},
                "month": str(parsed), "status": status,
                "inspection_weight": str(result.inspection_weight), "min_sample": result.min_sample,
                "recurrence_deduction": str(result.recurrence_deduction),
                "rows": rows,
            }, ensure_ascii=False, indent=2))
        elif format == "csv":
            writer = csv.DictWriter(self.stdout, fieldnames=list(rows[0]) if rows else ["unit"])
            writer.writeheader()
            writer.writerows(rows)
        else:
            self.stdout.write(f"{unit.name} {parsed} ({status})")
            self.stdout.write(f"{'rank':>6}  {'score':>7}  {'insp.':>7}  {'on time':>9}  {'visits':>6}  "
                              f"{'kind':<12} unit")
            for row in rows:
                on_time = f"{row['on_time']}/{row['due']}" if row["due"] else "-"
                self.stdout.write(
                    f"{row['rank'] or 'n/r':>6}  {row['score'] or '-':>7}  "
                    f"{row['inspection_score'] or '-':>7}  {on_time:>9}  {row['visits']:>6}  "
                    f"{row['kind']:<12} {row['unit']}{self._flag(row)}"
                )

    @staticmethod
    def _flag(row: dict) -> str:
        return f"  [flagged: bottom {row['streak']} months running]" if row["flagged"] else ""

    def _parent(self, value: str | None) -> Unit:
        if value is None:
            roots = list(Unit.objects.filter(parent=None).select_related("campaign")[:2])
            if len(roots) != 1:
                raise CommandError("There is more than one campaign: name the peer group with --parent.")
            return roots[0]
        query = Q(code=value) | Q(key=value)
        if is_id(value):
            query |= Q(pk=int(value))
        units = list(Unit.objects.filter(query).select_related("campaign")[:2])
        if not units:
            raise CommandError(f"No unit has the code, key or id “{value}”.")
        if len(units) > 1:
            raise CommandError(f"“{value}” names more than one unit: use its id.")
        return units[0]

    @staticmethod
    def _row(line) -> dict:
        s = line.standing
        return {
            "rank": s.rank, "unit": line.unit.name, "code": line.unit.code, "kind": line.unit.kind,
            "score": str(s.score) if s.score is not None else None,
            "inspection_score": str(s.inspection_score) if s.inspection_score is not None else None,
            "due": s.due, "on_time": s.on_time, "recurrences": s.recurrences,
            "visits": s.visits, "ranked": s.ranked,
            "previous_rank": s.previous_rank, "streak": s.streak, "flagged": s.flagged,
        }
