"""What a token sees: its account's visibility query (the pages' own) narrowed to the subtree of
the token's unit. Every API read goes through one of these, so out of scope is "not found"."""

from django.db.models import Q, QuerySet

from campaign.models import Point, Task, Unit
from campaign.permissions import visible_points, visible_units
from campaign.tasks.permissions import visible_tasks
from inspections.enums import BulletinStatus
from inspections.models import Bulletin, Rectification
from inspections.permissions import visible_rectifications
from inspections.rankings.permissions import visible_peer_parents
from integrations.models import ApiToken


def _within(token: ApiToken, field: str = "unit") -> Q:
    return Q(**{f"{field}__path__startswith": token.unit.path})


def token_units(token: ApiToken) -> QuerySet[Unit]:
    return visible_units(token.user).filter(path__startswith=token.unit.path)


def token_points(token: ApiToken) -> QuerySet[Point]:
    return visible_points(token.user).filter(_within(token))


def token_tasks(token: ApiToken) -> QuerySet[Task]:
    return visible_tasks(token.user).filter(_within(token))


def token_items(token: ApiToken) -> QuerySet[Rectification]:
    return visible_rectifications(token.user).filter(_within(token))


def token_bulletins(token: ApiToken) -> QuerySet[Bulletin]:
    """The current revisions of the published bulletins of the peer groups the account may open
    (inspections.rankings.permissions) whose parent lies in the token's subtree, or that rank the
    token's unit among its siblings (as the pages publish a bulletin to the units it ranks)."""
    return Bulletin.objects.filter(
        Q(parent__path__startswith=token.unit.path) | Q(parent_id=token.unit.parent_id),
        is_current=True, status=BulletinStatus.PUBLISHED,
        parent__in=visible_peer_parents(token.user),
    )
