"""The integration tokens' pages: administrators list, issue (the key shown once, on a page no
cache keeps) and revoke tokens; the audit trail records both, never the key."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from campaign.audit.models import ChangeEntry
from campaign.enums import Role
from integrations import tokens
from integrations.models import ApiToken
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return factories.UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def account(tree, member):
    return member(tree["district_a"], Role.COORDINATOR, username="hotline")


def entries(token):
    return list(ChangeEntry.objects.filter(content_type=ContentType.objects.get_for_model(ApiToken),
                                           object_id=token.pk).order_by("id"))


def test_issuing_shows_the_key_once_and_the_audit_records_it_without_the_key(client, admin, account, tree):
    client.force_login(admin)
    response = client.post(reverse("integrations:token-issue"), {
        "name": "12345 热线", "account": "hotline", "unit": tree["street_a"].pk, "access": "write"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    key = response.context["key"]
    assert tokens.authenticate(key) == token
    assert key in response.content.decode()
    assert (token.name, token.user, token.unit, token.access, token.created_by) == (
        "12345 热线", account, tree["street_a"], "write", admin)
    [entry] = entries(token)
    assert (entry.action, entry.actor) == (ChangeEntry.Action.CREATE, admin)
    assert entry.changes["name"] == ["None", "12345 热线"]
    assert entry.changes["access"] == ["None", "write"]
    assert "key_hash" not in entry.changes and key not in str(entry.changes)
    assert token.key_hash not in str(entry.changes)
    # The list shows the prefix only.
    listing = client.get(reverse("integrations:token-list")).content.decode()
    assert token.prefix in listing and key not in listing


def test_the_issue_form_is_styled_as_the_sites_forms(client, admin):
    """Bootstrap's classes: full-width controls, 44 px on a phone (site.css), no page wider
    than the screen."""
    client.force_login(admin)
    body = client.get(reverse("integrations:token-issue")).content.decode()
    for control in ('name="name" maxlength="100" class="form-control"',
                    'name="account" maxlength="150" class="form-control"',
                    'name="unit" class="form-select"',
                    'name="access" value="read" class="form-check-input"',
                    'name="access" value="write" class="form-check-input"'):
        assert control in body


def test_revoking_asks_first_then_revokes_and_is_recorded(client, admin, account, tree):
    token, key = tokens.issue(name="A", user=account, unit=tree["district_a"], access="read", by=admin)
    client.force_login(admin)
    url = reverse("integrations:token-revoke", kwargs={"pk": token.pk})
    assert client.get(url).status_code == 200
    assert ApiToken.objects.get().revoked_at is None
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("integrations:token-list")
    token.refresh_from_db()
    assert token.revoked_at is not None and tokens.authenticate(key) is None
    revoked = entries(token)[-1]
    assert (revoked.action, revoked.actor, list(revoked.changes)) == (
        ChangeEntry.Action.UPDATE, admin, ["revoked_at"])


def test_a_unit_the_account_does_not_see_is_refused(client, admin, account, tree):
    client.force_login(admin)
    response = client.post(reverse("integrations:token-issue"), {
        "name": "x", "account": "hotline", "unit": tree["street_b"].pk, "access": "read"})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["unit"]
    response = client.post(reverse("integrations:token-issue"), {
        "name": "x", "account": "nobody", "unit": tree["street_a"].pk, "access": "read"})
    assert list(response.context["form"].errors) == ["account"]
    assert not ApiToken.objects.exists()


def test_only_a_superuser_issues_a_token_acting_as_a_superuser(client, admin, account, tree):
    staff = factories.UserFactory(username="staffer", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="add_apitoken"))
    client.force_login(staff)
    data = {"name": "x", "account": "root", "unit": tree["city"].pk, "access": "write"}
    response = client.post(reverse("integrations:token-issue"), data)
    assert response.status_code == 200
    assert response.context["form"].errors == {"account": ["只有超级用户可以签发以超级用户身份操作的令牌。"]}
    assert not ApiToken.objects.exists()
    # Another account, or a superuser issuing it: issued.
    assert client.post(reverse("integrations:token-issue"), {**data, "account": "hotline",
                                                             "unit": tree["district_a"].pk}).context["key"]
    client.force_login(admin)
    assert client.post(reverse("integrations:token-issue"), data).context["key"]
    assert sorted(ApiToken.objects.values_list("user__username", flat=True)) == ["hotline", "root"]


def test_only_administrators_manage_tokens_and_see_the_nav_link(client, admin, account, tree, member):
    token, _key = tokens.issue(name="A", user=account, unit=tree["district_a"], access="read", by=admin)
    coordinator = member(tree["city"], Role.COORDINATOR, username="office")
    staff = factories.UserFactory(username="staffer", is_staff=True)
    urls = [reverse("integrations:token-list"), reverse("integrations:token-issue"),
            reverse("integrations:token-revoke", kwargs={"pk": token.pk})]
    for user in (coordinator, staff):
        client.force_login(user)
        assert [client.get(url).status_code for url in urls] == [403, 403, 403]
        assert client.post(urls[2]).status_code == 403
        assert 'id="nav-tokens"' not in client.get(reverse("unit-list")).content.decode()
    staff.user_permissions.add(Permission.objects.get(codename="add_apitoken"))
    staff = type(staff).objects.get(pk=staff.pk)
    client.force_login(staff)
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]
    assert 'id="nav-tokens"' in client.get(reverse("unit-list")).content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None
