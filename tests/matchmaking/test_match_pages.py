"""Match pages: who may see and answer which proposals, constant query counts,
the interest flow up to mutual interest (contacts and email), the no-match
diagnosis, and the organisers' matching overview."""

from __future__ import annotations

import importlib
from smtplib import SMTPException

import pytest
from django.apps import apps
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

from accounts.models import Membership
from matchmaking.models import Match, MatchRun, Need
from matchmaking.services.matches import match_mutual_notify
from matchmaking.tasks import match_mutual_notify_task
from tests.factories import (
    BuyerFactory,
    ExporterFactory,
    LotFactory,
    MatchFactory,
    MembershipFactory,
    NeedFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def exporter(exporter_admin):
    organisation = exporter_admin.membership.organisation
    organisation.website = "https://exporter.example.cn"
    organisation.province = "Sichuan"
    organisation.verified = True
    organisation.save()
    return organisation


@pytest.fixture
def buyer(buyer_admin):
    organisation = buyer_admin.membership.organisation
    organisation.website = "https://buyer.example.kz"
    organisation.save()
    return organisation


@pytest.fixture
def need(buyer) -> Need:
    return NeedFactory(buyer=buyer, ref="KZ-7", title="Hybrid SUVs for Almaty")


@pytest.fixture
def match(exporter, need) -> Match:
    return MatchFactory(lot=LotFactory(exporter=exporter, ref="SC-1"), need=need, score=81.4)


@pytest.fixture
def other_buyer_admin(db):
    return MembershipFactory(organisation=BuyerFactory()).user


def interest(client, match: Match, answer: str, **headers):
    return client.post(reverse("match_interest", args=[match.pk]), {"interest": answer}, **headers)


# Permissions -------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, match):
    run = MatchRun.objects.create()
    urls = [
        reverse("need_matches", args=[match.need_id]),
        reverse("lot_matches", args=[match.lot_id]),
        reverse("matching_overview"),
        reverse("match_run_progress", args=[run.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert reverse("account_login") in response["Location"]

    response = interest(client, match, "yes")
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_another_buyer_cannot_see_the_need_s_matches(login, other_buyer_admin, match):
    response = login(other_buyer_admin).get(reverse("need_matches", args=[match.need_id]))

    assert response.status_code == 404


def test_another_exporter_cannot_see_the_lot_s_matches(login, other_exporter_admin, match):
    response = login(other_exporter_admin).get(reverse("lot_matches", args=[match.lot_id]))

    assert response.status_code == 404


def test_each_side_cannot_open_the_other_side_s_list(login, exporter_admin, buyer_admin, match):
    assert login(exporter_admin).get(reverse("need_matches", args=[match.need_id])).status_code == 404
    assert login(buyer_admin).get(reverse("lot_matches", args=[match.lot_id])).status_code == 404


def test_unknown_ids_are_404(login, buyer_admin, exporter_admin, organiser):
    assert login(buyer_admin).get(reverse("need_matches", args=[99999])).status_code == 404
    assert login(exporter_admin).get(reverse("lot_matches", args=[99999])).status_code == 404
    assert login(organiser).get(reverse("match_run_progress", args=[99999])).status_code == 404


def test_organisations_not_party_to_a_match_cannot_answer(
    login, other_buyer_admin, other_exporter_admin, organiser, match
):
    for user in (other_buyer_admin, other_exporter_admin, organiser):
        assert interest(login(user), match, "yes").status_code == 404

    match.refresh_from_db()
    assert match.exporter_interest == match.buyer_interest == ""


def test_organisers_may_look_but_get_no_buttons(login, organiser, match):
    client = login(organiser)

    for url in (reverse("need_matches", args=[match.need_id]), reverse("lot_matches", args=[match.lot_id])):
        response = client.get(url)
        assert response.status_code == 200
        assert 'name="interest"' not in response.text
        assert "SC-1" in response.text or "Hybrid SUVs for Almaty" in response.text


def test_only_organisers_see_the_matching_overview(login, buyer_admin, exporter_admin):
    run = MatchRun.objects.create()
    for user in (buyer_admin, exporter_admin):
        client = login(user)
        assert client.get(reverse("matching_overview")).status_code == 404
        assert client.post(reverse("matching_overview")).status_code == 404
        assert client.get(reverse("match_run_progress", args=[run.pk])).status_code == 404
    assert not MatchRun.objects.exclude(pk=run.pk).exists()


# Lists -------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 3])
def test_need_matches_queries_do_not_grow_with_rows(
    login, buyer_admin, need, rows, django_assert_num_queries
):
    for rank in range(1, rows + 1):
        MatchFactory(need=need, lot=LotFactory(exporter=ExporterFactory()), rank_for_need=rank)
    MatchFactory(lot=LotFactory(ref="SOMEONE-ELSES"))
    client = login(buyer_admin)

    # savepoint, session, user, membership, need, count, matches with lots and exporters,
    # market rules, FX rates and the freight, haulage and insurance tables (to
    # explain them), release
    with django_assert_num_queries(13):
        response = client.get(reverse("need_matches", args=[need.pk]))

    assert response.status_code == 200
    assert len(response.context["matches"]) == rows
    assert response.text.count('name="interest" value="yes"') == rows
    assert "SOMEONE-ELSES" not in response.text


@pytest.mark.parametrize("rows", [1, 3])
def test_lot_matches_queries_do_not_grow_with_rows(
    login, exporter_admin, exporter, rows, django_assert_num_queries
):
    lot = LotFactory(exporter=exporter)
    needs = [NeedFactory(buyer=BuyerFactory()) for _ in range(rows)]
    MatchFactory(lot=lot, need=needs[0], exporter_interest="yes")  # one stored, the rest live
    client = login(exporter_admin)

    # savepoint, session, user, membership, lot with exporter, market rules, FX rates, the
    # three freight tables, the lot's stored matches with needs and buyers, candidate
    # needs, the new ones with buyers
    # (not asked for at 1 row, where the only proposal is stored; 11 from 2 rows up to at
    # least 10, measured on SQLite and PostgreSQL), release
    with django_assert_num_queries(13 if rows == 1 else 14):
        response = client.get(reverse("lot_matches", args=[lot.pk]))

    assert response.status_code == 200
    assert len(response.context["matches"]) == rows
    assert response.text.count('name="interest" value="yes"') == rows - 1
    assert response.text.count('name="interest" value="no"') == rows


@pytest.mark.parametrize("rows", [1, 3])
def test_mutual_contacts_cost_one_query_for_the_whole_page(
    login, buyer_admin, need, rows, django_assert_num_queries
):
    for _ in range(rows):
        MatchFactory(
            need=need,
            lot=LotFactory(exporter=MembershipFactory().organisation),
            exporter_interest="yes",
            buyer_interest="yes",
            state=Match.State.MUTUAL,
        )
    client = login(buyer_admin)

    # as above, plus the exporters' members
    with django_assert_num_queries(14):
        response = client.get(reverse("need_matches", args=[need.pk]))

    assert response.text.count('class="match-contacts"') == rows


def test_buyer_sees_ranked_lots_with_price_exporter_and_reasons(login, buyer_admin, need, match):
    second = MatchFactory(need=need, lot=LotFactory(ref="SC-2", unit_price=15000), rank_for_need=2, score=60)

    response = login(buyer_admin).get(reverse("need_matches", args=[need.pk]))

    text = response.text
    assert [m.pk for m in response.context["matches"]] == [match.pk, second.pk]
    assert "16,500" in text
    assert "USD" in text
    assert "FOB" in text
    assert match.lot.exporter.name in text
    assert "Sichuan" in text
    assert "Verified" in text
    assert "Price: 8% under budget (16,500 USD for up to 18,000)" in text
    assert "Logistics: Rail from Chengdu International Railway Port, as wanted" in text
    assert ">81<" in text
    assert "Proposed" in text


def test_exporter_sees_ranked_needs_with_buyer_budget_and_destination(login, exporter_admin, match):
    response = login(exporter_admin).get(reverse("lot_matches", args=[match.lot_id]))

    text = response.text
    need = match.need
    assert need.buyer.name in text
    assert "Kazakhstan" in text
    assert "Hybrid SUVs for Almaty" in text
    assert "20 vehicles wanted" in text
    assert "18,000" in text
    assert "Khorgos" in text
    assert "Price: 8% under budget (16,500 USD for up to 18,000)" in text


# The lot side, ranked live ---------------------------------------------------------


def pair_interest(client, lot_id: int, need_id: int, answer: str, **headers):
    url = reverse("lot_need_interest", args=[lot_id, need_id])
    return client.post(url, {"interest": answer}, **headers)


def test_exporter_sees_needs_ranked_live_before_any_match_is_stored(login, exporter_admin, exporter, need):
    lot = LotFactory(exporter=exporter)
    dearer = NeedFactory(max_unit_price=17_000, title="Tighter budget")

    response = login(exporter_admin).get(reverse("lot_matches", args=[lot.pk]))

    listed = response.context["matches"]
    assert [(m.need_id, m.rank_for_lot, m.pk) for m in listed] == [(need.pk, 1, None), (dearer.pk, 2, None)]
    assert "Price: 8% under budget (16,500 USD for up to 18,000)" in response.text
    assert not Match.objects.exists()


def test_lot_page_filters_and_paginates_live_proposals(login, exporter_admin, exporter, need):
    lot = LotFactory(exporter=exporter)
    for _ in range(21):
        NeedFactory(max_unit_price=15_500)  # over budget by 6 %: a lower score
    client = login(exporter_admin)
    url = reverse("lot_matches", args=[lot.pk])

    response = client.get(url)
    first = response.context["matches"]
    assert len(first) == 20  # the lot's top K of the 22 needs it meets
    assert first[0].need_id == need.pk
    assert not response.context["page_obj"].has_other_pages()
    best = client.get(url, {"min_score": first[0].score}).context["matches"]
    assert [m.need_id for m in best] == [need.pk]
    assert "No proposals match these filters" in client.get(url, {"state": "mutual"}).text


def test_answering_a_live_proposal_stores_the_match(login, exporter_admin, exporter, need):
    lot = LotFactory(exporter=exporter)
    client = login(exporter_admin)

    response = pair_interest(client, lot.pk, need.pk, "yes", HTTP_HX_REQUEST="true")

    match = Match.objects.get(lot=lot, need=need)
    assert (match.exporter_interest, match.buyer_interest, match.state) == ("yes", "", "proposed")
    assert match.score > 0
    assert f'id="match-{lot.pk}-{need.pk}"' in response.text
    assert ">#1</span>" in response.text  # the row keeps its place in the lot's ranking
    assert "You are interested." in response.text
    # Answering again goes to the stored match, not a second one.
    pair_interest(client, lot.pk, need.pk, "no")
    assert Match.objects.get(lot=lot, need=need).exporter_interest == "no"


def test_only_the_lot_s_exporter_answers_its_live_proposals(
    login, exporter_admin, other_exporter_admin, buyer_admin, organiser, exporter, need
):
    lot = LotFactory(exporter=exporter)
    for user in (other_exporter_admin, buyer_admin, organiser):
        assert pair_interest(login(user), lot.pk, need.pk, "yes").status_code == 404
    assert pair_interest(login(exporter_admin), lot.pk, 99999, "yes").status_code == 404
    assert not Match.objects.exists()


def test_a_need_the_lot_does_not_meet_cannot_be_answered(login, exporter_admin, exporter):
    lot = LotFactory(exporter=exporter)
    out_of_reach = NeedFactory(max_unit_price=5_000)

    client = login(exporter_admin)
    response = pair_interest(client, lot.pk, out_of_reach.pk, "yes")

    assert response.status_code == 302
    assert not Match.objects.exists()
    page = client.get(response["Location"])
    assert "This proposal no longer holds" in page.text


def test_filters_by_state_and_minimum_score(login, buyer_admin, need, match):
    MatchFactory(need=need, score=40, rank_for_need=2, buyer_interest="no", state=Match.State.DISMISSED)
    client = login(buyer_admin)
    url = reverse("need_matches", args=[need.pk])

    assert [m.pk for m in client.get(url, {"min_score": 70}).context["matches"]] == [match.pk]
    assert len(client.get(url, {"state": "dismissed"}).context["matches"]) == 1
    response = client.get(url, {"state": "mutual"})
    assert "No proposals match these filters" in response.text


def test_stale_matches_show_only_when_someone_answered(login, buyer_admin, need, match):
    MatchFactory(need=need, lot=LotFactory(ref="GONE-QUIET"), state=Match.State.STALE)
    MatchFactory(
        need=need, lot=LotFactory(ref="GONE-ANSWERED"), state=Match.State.STALE, exporter_interest="yes"
    )

    response = login(buyer_admin).get(reverse("need_matches", args=[need.pk]))

    refs = {m.lot.ref for m in response.context["matches"]}
    assert refs == {"SC-1", "GONE-ANSWERED"}
    assert "no longer holds" in response.text


def test_pages_are_paginated(login, buyer_admin, need):
    for rank in range(1, 23):
        MatchFactory(need=need, rank_for_need=rank)

    client = login(buyer_admin)
    first = client.get(reverse("need_matches", args=[need.pk]))
    second = client.get(reverse("need_matches", args=[need.pk]), {"page": 2})

    assert len(first.context["matches"]) == 20
    assert len(second.context["matches"]) == 2
    assert "Page 1 of 2" in first.text


def test_need_and_lot_pages_link_to_their_matches(login, buyer_admin, exporter_admin, organiser, match):
    need_url = reverse("need_matches", args=[match.need_id])
    lot_url = reverse("lot_matches", args=[match.lot_id])

    assert need_url in login(buyer_admin).get(reverse("need_detail", args=[match.need_id])).text
    assert need_url in login(buyer_admin).get(reverse("need_list")).text
    assert lot_url in login(exporter_admin).get(reverse("lot_detail", args=[match.lot_id])).text
    assert reverse("matching_overview") in login(organiser).get(reverse("dashboard")).text
    assert reverse("matching_overview") not in login(buyer_admin).get(reverse("dashboard")).text


# No match ----------------------------------------------------------------------


def test_a_need_without_matches_says_why_and_what_to_do(login, buyer_admin, buyer):
    need = NeedFactory(
        buyer=buyer,
        destination_country="CL",
        match_diagnosis={"reason": "rule_used_banned", "params": {"country": "CL", "source": "aduana.cl"}},
    )

    response = login(buyer_admin).get(reverse("need_matches", args=[need.pk]))

    assert "Chile bans used-vehicle imports (source: aduana.cl)." in response.text
    assert "consider another destination" in response.text
    assert reverse("need_edit", args=[need.pk]) in response.text


def test_budget_diagnosis_is_shown(login, buyer_admin, buyer):
    need = NeedFactory(
        buyer=buyer,
        match_diagnosis={
            "reason": "over_budget",
            "params": {"pct": 11, "cheapest": 19980.0, "currency": "USD"},
        },
    )

    response = login(buyer_admin).get(reverse("need_matches", args=[need.pk]))

    assert "No lot is within the budget." in response.text
    assert (
        "The cheapest lot that meets everything else is 11% above the budget (19,980 USD)." in response.text
    )


def test_a_need_not_yet_diagnosed_says_to_check_back(login, buyer_admin, buyer):
    need = NeedFactory(buyer=buyer)

    response = login(buyer_admin).get(reverse("need_matches", args=[need.pk]))

    assert "No proposals yet" in response.text


# Interest ----------------------------------------------------------------------


def test_both_saying_yes_makes_the_match_mutual_shows_contacts_and_emails_everyone(
    login,
    buyer_admin,
    exporter_admin,
    exporter_member,
    exporter,
    buyer,
    match,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    buyer_client, exporter_client = login(buyer_admin), login(exporter_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = interest(buyer_client, match, "yes")
    assert response.status_code == 302
    assert response["Location"] == reverse("need_matches", args=[match.need_id])
    match.refresh_from_db()
    assert match.buyer_interest == "yes"
    assert match.state == Match.State.PROPOSED
    assert mailoutbox == []

    with django_capture_on_commit_callbacks(execute=True):
        response = interest(exporter_client, match, "yes")
    assert response["Location"] == reverse("lot_matches", args=[match.lot_id])
    match.refresh_from_db()
    assert match.state == Match.State.MUTUAL

    buyer_page = buyer_client.get(reverse("need_matches", args=[match.need_id])).text
    assert "Mutual interest" in buyer_page
    assert exporter_admin.email in buyer_page
    assert exporter_member.email in buyer_page
    assert "https://exporter.example.cn" in buyer_page
    exporter_page = exporter_client.get(reverse("lot_matches", args=[match.lot_id])).text
    assert buyer_admin.email in exporter_page
    assert "https://buyer.example.kz" in exporter_page
    assert "Kazakhstan" in exporter_page

    recipients = sorted(address for mail in mailoutbox for address in mail.to)
    assert recipients == sorted([buyer_admin.email, exporter_admin.email, exporter_member.email])
    to_buyer = next(mail for mail in mailoutbox if mail.to == [buyer_admin.email])
    assert exporter.name in to_buyer.subject
    assert exporter_admin.email in to_buyer.body
    assert f"http://testserver{reverse('need_matches', args=[match.need_id])}" in to_buyer.body
    to_exporter = next(mail for mail in mailoutbox if mail.to == [exporter_member.email])
    assert buyer_admin.email in to_exporter.body
    assert exporter_admin.email not in to_exporter.body
    assert f"http://testserver{reverse('lot_matches', args=[match.lot_id])}" in to_exporter.body


def test_contacts_are_never_shown_before_mutual_interest(login, buyer_admin, exporter_admin, match):
    buyer_client, exporter_client = login(buyer_admin), login(exporter_admin)
    interest(buyer_client, match, "yes")

    buyer_page = buyer_client.get(reverse("need_matches", args=[match.need_id])).text
    exporter_page = exporter_client.get(reverse("lot_matches", args=[match.lot_id])).text

    assert exporter_admin.email not in buyer_page
    assert "https://exporter.example.cn" not in buyer_page
    assert buyer_admin.email not in exporter_page
    assert "https://buyer.example.kz" not in exporter_page
    assert "The buyer is interested in meeting you." in exporter_page


def test_not_interested_dismisses_and_taking_back_proposes_again(login, buyer_admin, match):
    client = login(buyer_admin)

    interest(client, match, "no")
    match.refresh_from_db()
    assert (match.buyer_interest, match.state) == ("no", Match.State.DISMISSED)

    interest(client, match, "")
    match.refresh_from_db()
    assert (match.buyer_interest, match.state) == ("", Match.State.PROPOSED)


def test_taking_back_a_mutual_yes_hides_the_contacts_again(login, buyer_admin, exporter_admin, match):
    match.exporter_interest = match.buyer_interest = "yes"
    match.state = Match.State.MUTUAL
    match.save()
    client = login(buyer_admin)

    client.post(reverse("match_interest", args=[match.pk]), {"interest": "", "confirmed": "1"})

    page = client.get(reverse("need_matches", args=[match.need_id])).text
    assert exporter_admin.email not in page


def test_stale_match_refuses_an_answer(login, buyer_admin, match):
    match.state = Match.State.STALE
    match.buyer_interest = "yes"
    match.save()
    client = login(buyer_admin)

    response = interest(client, match, "no", follow=True)

    assert "no longer holds" in response.text
    match.refresh_from_db()
    assert match.buyer_interest == "yes"
    assert match.state == Match.State.STALE


def test_an_unknown_answer_is_refused(login, buyer_admin, match):
    response = interest(login(buyer_admin), match, "maybe", follow=True)

    assert "Choose one of the offered answers." in response.text
    match.refresh_from_db()
    assert match.buyer_interest == ""


def test_htmx_answer_returns_only_the_row(login, buyer_admin, match):
    response = interest(login(buyer_admin), match, "yes", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert next(t.name for t in response.templates) == "matchmaking/matches/_need_match_row.html"
    assert f'id="match-{match.lot_id}-{match.need_id}"' in response.text
    assert "<html" not in response.text
    assert "You are interested." in response.text
    assert 'value="yes"' not in response.text
    assert 'value="no"' in response.text


def test_htmx_answer_that_makes_mutual_shows_contacts_in_the_row(
    login, exporter_admin, buyer_admin, match, django_capture_on_commit_callbacks, mailoutbox
):
    match.buyer_interest = "yes"
    match.save()

    with django_capture_on_commit_callbacks(execute=True):
        response = interest(login(exporter_admin), match, "yes", HTTP_HX_REQUEST="true")

    assert next(t.name for t in response.templates) == "matchmaking/matches/_lot_match_row.html"
    assert buyer_admin.email in response.text
    assert "Mutual interest" in response.text
    assert len(mailoutbox) == 2


def test_htmx_refusal_is_shown_in_the_row(login, buyer_admin, match):
    match.state = Match.State.STALE
    match.save()

    response = interest(login(buyer_admin), match, "yes", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert 'role="alert"' in response.text
    assert "no longer holds" in response.text


def test_mutual_email_is_sent_once_even_if_the_task_runs_twice(
    match, exporter_admin, buyer_admin, mailoutbox
):
    match.exporter_interest = match.buyer_interest = "yes"
    match.state = Match.State.MUTUAL
    match.save()

    match_mutual_notify_task(match.pk)
    match_mutual_notify_task(match.pk)

    assert len(mailoutbox) == 2


def test_mutual_email_is_not_sent_again_when_a_side_says_no_then_yes(
    login, exporter_admin, match, django_capture_on_commit_callbacks, mailoutbox
):
    match.buyer_interest = "yes"
    match.save()
    client = login(exporter_admin)
    with django_capture_on_commit_callbacks(execute=True):
        interest(client, match, "yes")
    assert len(mailoutbox) == 2

    with django_capture_on_commit_callbacks(execute=True):
        interest(client, match, "no")
    with django_capture_on_commit_callbacks(execute=True):
        interest(client, match, "yes")

    match.refresh_from_db()
    assert match.state == Match.State.MUTUAL
    assert len(mailoutbox) == 2


class _RefusingMailServer(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise SMTPException("451 try again later")


def test_a_mutual_email_that_failed_is_sent_by_the_retry(match, settings, mailoutbox):
    match.exporter_interest = match.buyer_interest = "yes"
    match.state = Match.State.MUTUAL
    match.save()
    settings.EMAIL_BACKEND = f"{__name__}._RefusingMailServer"
    with pytest.raises(SMTPException):
        match_mutual_notify(match=match)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    assert match_mutual_notify(match=match)
    assert len(mailoutbox) == 2


def test_the_migration_counts_todays_mutual_matches_as_announced(match, mailoutbox):

    migration = importlib.import_module("matchmaking.migrations.0010_match_mutual_notified_at")
    match.exporter_interest = match.buyer_interest = "yes"
    match.state = Match.State.MUTUAL
    match.save()

    migration.mutual_matches_were_announced(apps, None)

    assert not match_mutual_notify(match=match)
    assert mailoutbox == []


def test_mutual_email_is_skipped_when_no_longer_mutual(match, mailoutbox):
    match.buyer_interest = "yes"
    match.save()

    match_mutual_notify_task(match.pk)
    match_mutual_notify_task(999_999)

    assert mailoutbox == []


def test_inactive_members_get_no_email(match, exporter_admin, buyer_admin, mailoutbox):
    gone = UserFactory(is_active=False)
    Membership.objects.create(user=gone, organisation=match.lot.exporter)
    match.exporter_interest = match.buyer_interest = "yes"
    match.state = Match.State.MUTUAL
    match.save()

    match_mutual_notify_task(match.pk)

    assert gone.email not in {address for mail in mailoutbox for address in mail.to}


# Organisers --------------------------------------------------------------------


def test_overview_shows_coverage_and_top_no_match_reasons(login, organiser):
    matched = NeedFactory()
    MatchFactory(need=matched)
    dismissed_only = NeedFactory(match_diagnosis={"reason": "over_budget", "params": {"pct": 5}})
    MatchFactory(need=dismissed_only, state=Match.State.DISMISSED, buyer_interest="no")
    NeedFactory(
        ref="CL-1",
        match_diagnosis={"reason": "rule_used_banned", "params": {"country": "CL", "source": "aduana.cl"}},
    )
    NeedFactory(match_diagnosis={"reason": "rule_used_banned", "params": {"country": "CL", "source": "x"}})
    NeedFactory(match_diagnosis={"reason": "brand_new_code", "params": {}})
    NeedFactory()
    NeedFactory(status=Need.Status.CLOSED, match_diagnosis={"reason": "no_lot_of_kind", "params": {}})

    response = login(organiser).get(reverse("matching_overview"))

    coverage = response.context["coverage"]
    assert (coverage.open_needs, coverage.matched_needs, coverage.pct) == (6, 1, 17)
    reasons = [(item.reason, item.needs) for item in response.context["reasons"]]
    assert reasons == [("rule_used_banned", 2), ("brand_new_code", 1), ("over_budget", 1)]
    text = response.text
    assert "17%" in text
    assert "The destination bans used-vehicle imports" in text
    assert "Budget below every compliant lot" in text
    assert "Other reasons" in text
    assert "Chile bans used-vehicle imports" in text
    assert "Run matching now" in text


def test_overview_lists_runs_with_counts_timings_and_errors(login, organiser):
    MatchRun.objects.create(
        status=MatchRun.Status.FINISHED,
        progress_pct=100,
        lots_count=1200,
        needs_count=300,
        pairs_considered=360000,
        matches_kept=4321,
        timings={"load": 0.4, "score": 1.25, "store": 2.5},
    )
    MatchRun.objects.create(status=MatchRun.Status.FAILED, error="Database went away", started_by=organiser)

    response = login(organiser).get(reverse("matching_overview"))

    text = response.text
    assert "360,000" in text
    assert "4,321" in text
    assert "score 1.25" in text
    assert "Database went away" in text
    assert "Failed" in text
    assert "Finished" in text
    assert 'hx-trigger="every 1s"' not in text


def test_run_matching_now_starts_a_run(login, organiser, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = login(organiser).post(reverse("matching_overview"), follow=True)

    run = MatchRun.objects.get()
    assert run.started_by == organiser
    assert run.status == MatchRun.Status.QUEUED
    assert len(callbacks) == 1
    assert "Matching started" in response.text
    assert 'hx-trigger="every 1s"' in response.text
    assert reverse("match_run_progress", args=[run.pk]) in response.text


def test_run_matching_is_refused_while_one_is_running(login, organiser):
    MatchRun.objects.create(status=MatchRun.Status.RUNNING, progress_pct=40)

    response = login(organiser).post(reverse("matching_overview"), follow=True)

    assert "A matching run is already under way." in response.text
    assert MatchRun.objects.count() == 1


def test_progress_partial_polls_only_while_running(login, organiser):
    run = MatchRun.objects.create(status=MatchRun.Status.RUNNING, progress_pct=40)
    client = login(organiser)
    url = reverse("match_run_progress", args=[run.pk])

    running = client.get(url, HTTP_HX_REQUEST="true")
    assert running.status_code == 200
    assert 'hx-trigger="every 1s"' in running.text
    assert 'value="40"' in running.text
    assert "<html" not in running.text

    run.status = MatchRun.Status.FINISHED
    run.progress_pct = 100
    run.save()
    finished = client.get(url, HTTP_HX_REQUEST="true")
    assert finished.headers.get("HX-Refresh") == "true"
    plain = client.get(url)
    assert "hx-trigger" not in plain.text
    assert "Finished" in plain.text


# Pages that say what is true (issue 12) ---------------------------------------


def test_the_minimum_score_field_does_not_read_as_a_filter_in_force(login, exporter_admin, match):
    response = login(exporter_admin).get(reverse("lot_matches", args=[match.lot_id]))

    assert 'placeholder="60"' not in response.text
    assert 'placeholder="any"' in response.text
    assert [m.need_id for m in response.context["matches"]] == [match.need_id]


@pytest.fixture
def mutual(match) -> Match:
    Match.objects.filter(pk=match.pk).update(
        exporter_interest="yes", buyer_interest="yes", state=Match.State.MUTUAL
    )
    match.refresh_from_db()
    return match


@pytest.mark.parametrize("answer", ["no", ""])
def test_withdrawing_from_a_mutual_match_asks_first(login, buyer_admin, mutual, answer):
    client = login(buyer_admin)

    asked = interest(client, mutual, answer, headers={"HX-Request": "true"})

    mutual.refresh_from_db()
    assert (mutual.state, mutual.buyer_interest) == (Match.State.MUTUAL, "yes")
    assert 'role="alert"' in asked.text
    assert "neither of you will see them any more" in asked.text
    assert 'name="confirmed" value="1"' in asked.text

    done = client.post(
        reverse("match_interest", args=[mutual.pk]),
        {"interest": answer, "confirmed": "1"},
        headers={"HX-Request": "true"},
    )

    assert done.status_code == 200
    mutual.refresh_from_db()
    assert mutual.buyer_interest == answer
    assert mutual.state != Match.State.MUTUAL


def test_without_htmx_the_withdrawal_is_confirmed_on_a_page_of_its_own(login, exporter_admin, mutual):
    response = interest(login(exporter_admin), mutual, "no")

    assert response.status_code == 200
    assert "Say you are not interested after all?" in response.text
    mutual.refresh_from_db()
    assert mutual.state == Match.State.MUTUAL


def test_saying_no_to_a_match_that_is_not_mutual_needs_no_confirmation(login, buyer_admin, match):
    interest(login(buyer_admin), match, "no")

    match.refresh_from_db()
    assert match.state == Match.State.DISMISSED


def test_the_need_page_shows_the_funnel_to_the_blocker(login, buyer_admin, buyer):
    need = NeedFactory(
        buyer=buyer,
        destination_country="KE",
        match_diagnosis={
            "reason": "no_lot_of_kind",
            "params": {"body_types": ["suv"], "fuel_types": ["hev"], "nearest": [["Toyota Hiace", 6]]},
            "funnel": [
                ["available", 312, {}],
                ["rule_steering", 6, {"country": "KE", "steering": "RHD"}],
                ["kind", 0, {"makes": [], "models": [], "body_types": ["suv"], "fuel_types": ["hev"]}],
            ],
        },
    )

    response = login(buyer_admin).get(reverse("need_matches", args=[need.pk]))

    text = response.text
    assert "312 available lots" in text
    assert "6 right-hand drive, as Kenya requires" in text
    assert "<strong>0 of the kind wanted (SUV · Hybrid (HEV))</strong>" in text
    assert "Lots that meet everything else: Toyota Hiace (6 lots)." in text


def test_a_stale_match_says_every_constraint_the_lot_now_fails(login, buyer_admin, need, match):
    Match.objects.filter(pk=match.pk).update(
        state=Match.State.STALE,
        exporter_interest="yes",
        stale_reason={
            "reason": "steering_unavailable",
            "params": {"country": "KE", "steering": "RHD", "source": "KEBS"},
            "failures": [
                ["steering_unavailable", {"country": "KE", "steering": "RHD", "source": "KEBS"}],
                ["over_budget", {"max_price": 9000, "currency": "USD"}],
            ],
        },
    )

    response = login(buyer_admin).get(reverse("need_matches", args=[need.pk]))

    assert (
        "Kenya admits right-hand-drive vehicles only (source: KEBS); "
        "its price is more than 10% above the buyer&#x27;s budget." in response.text
    )


def test_the_overview_counts_needs_no_lot_can_match_apart(login, organiser):
    NeedFactory(destination_country="CL", blocked_by_rule={"reason": "rule_used_banned", "params": {}})
    NeedFactory(match_diagnosis={"reason": "over_budget", "params": {"pct": 5}})

    response = login(organiser).get(reverse("matching_overview"))

    coverage = response.context["coverage"]
    assert (coverage.open_needs, coverage.matched_needs, coverage.never_matching_needs) == (1, 0, 1)
    assert [(item.reason, item.needs) for item in response.context["reasons"]] == [("over_budget", 1)]
    assert "1 open need can never match" in response.text
