"""A person's first visit, as they would do it in a browser: sign up an exporter,
verify the email, sign the convention, invite a colleague who joins; sign up a
buyer."""

from __future__ import annotations

import re

import pytest

from accounts.models import ConventionSignature, Membership, User
from tests.factories import ConventionVersionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _link(mail, pattern: str) -> str:
    return re.search(pattern, mail.body).group(0)


def _sign_up(page, site: str, *, kind: str, email: str, company: str, country: str, qualification: str = ""):
    page.goto(f"{site}/accounts/signup/")
    page.fill("#id_name", "Li Wei")
    page.fill("#id_email", email)
    page.fill("#id_password1", "Tianfu-Export-2025!")
    page.fill("#id_password2", "Tianfu-Export-2025!")
    page.check(f"input[name=kind][value={kind}]")
    page.fill("#id_organisation_name", company)
    page.select_option("#id_country", country)
    page.fill("#id_city", "Chengdu")
    if qualification:
        page.fill("#id_export_qualification_no", qualification)
    for language in ("zh-hans", "en"):
        page.check(f"input[name=languages][value={language}]")
    page.click("main button[type=submit]")


def test_exporter_signs_up_signs_the_convention_and_invites_a_colleague(site, new_page, shoot, mailoutbox):
    # The migrations publish version 1, but an earlier transactional test may
    # have flushed it.
    ConventionVersionFactory(version=1)
    page = new_page()
    page.goto(site)
    shoot(page, "01-home")

    _sign_up(
        page,
        site,
        kind="exporter",
        email="li@jinniu.cn",
        company="Jinniu Auto Export",
        country="CN",
        qualification="SC-UCE-2024-0017",
    )
    shoot(page, "02-verification-sent")
    assert "/accounts/confirm-email/" in page.url

    page.goto(_link(mailoutbox[-1], r"http://\S+/accounts/confirm-email/\S+/"))
    page.click("button[type=submit]")
    page.wait_for_url(f"{site}/dashboard/")
    shoot(page, "03-exporter-dashboard")
    assert page.locator("text=Sign the industry self-discipline convention").is_visible()

    page.click("text=Read and sign")
    page.check("#id_agree")
    shoot(page, "04-convention")
    page.click("button:has-text('Sign the convention')")
    page.wait_for_url(f"{site}/dashboard/")
    assert page.locator("text=Convention v1 signed").is_visible()
    assert ConventionSignature.objects.filter(organisation__name="Jinniu Auto Export").exists()

    page.click("nav >> text=Team")
    page.fill("#id_email", "zhang@jinniu.cn")
    page.click("button:has-text('Send invitation')")
    assert page.locator("text=Invitation sent to zhang@jinniu.cn").is_visible()
    shoot(page, "05-team")

    colleague = new_page(locale="zh-CN")
    colleague.goto(_link(mailoutbox[-1], r"http://\S+/invitations/[\w-]+/"))
    shoot(colleague, "06-invitation-zh")
    colleague.fill("#id_name", "Zhang Min")
    colleague.fill("#id_password1", "Chengdu-Fair-2025")
    colleague.fill("#id_password2", "Chengdu-Fair-2025")
    colleague.click("main button[type=submit]")
    colleague.wait_for_url(f"{site}/dashboard/")
    shoot(colleague, "07-colleague-dashboard-zh")
    assert "Jinniu Auto Export" in colleague.content()
    membership = Membership.objects.get(user__email="zhang@jinniu.cn")
    assert (membership.organisation.name, membership.role) == ("Jinniu Auto Export", "member")


def test_buyer_signs_up_and_sees_field_errors_first(site, new_page, shoot, mailoutbox, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "optional"
    page = new_page(locale="ru-RU")

    page.goto(f"{site}/accounts/signup/")
    page.click("main button[type=submit]")
    shoot(page, "08-signup-errors-ru")
    assert page.locator("small.error").count() >= 5
    assert not User.objects.exists()

    _sign_up(page, site, kind="buyer", email="ivan@avto.ru", company="Avto Import", country="RU")
    page.wait_for_url(f"{site}/dashboard/")
    shoot(page, "09-buyer-dashboard-ru")
    assert "Avto Import" in page.content()
