"""Deal pages, the organiser's dashboard and the report downloads: who may open
each one (everyone else gets 404), what each costs in queries, and what the
forms do."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from deals import urls as deal_urls
from deals.models import Deal
from deals.services import deal_confirm
from events.models import Participation
from matchmaking.models import FxRate, Lot, Match
from tests.deals.conftest import SIGNED
from tests.events.conftest import make_fair
from tests.factories import (
    BuyerFactory,
    DealFactory,
    DealLineFactory,
    ExporterFactory,
    LotFactory,
    MatchFactory,
    MeetingFactory,
    MembershipFactory,
    NeedFactory,
    OrganiserFactory,
    ParticipationFactory,
)

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")


@pytest.fixture
def deal(record, lot, fair) -> Deal:
    return record((lot, 4, "15000"), event=fair)


def _routes(deal: Deal) -> dict[str, tuple[str, str, dict]]:
    slug = deal.event.slug
    return {
        "deal_list": ("get", reverse("deal_list"), {}),
        "deal_record": ("get", reverse("deal_record"), {}),
        "deal_detail": ("get", reverse("deal_detail", args=[deal.pk]), {}),
        "deal_amend": ("get", reverse("deal_amend", args=[deal.pk]), {}),
        "event_dashboard": ("get", reverse("event_dashboard", args=[slug]), {}),
        "event_report": ("get", reverse("event_report", args=[slug, "deals", "csv"]), {}),
    }


def _send(client, method: str, url: str, data: dict):
    return client.post(url, data) if method == "post" else client.get(url, data)


def test_every_deal_url_has_its_permission_test():
    assert {pattern.name for pattern in deal_urls.urlpatterns} == {
        "deal_list",
        "deal_record",
        "deal_detail",
        "deal_amend",
        "event_dashboard",
        "event_report",
    }


@pytest.mark.parametrize(
    "name", ["deal_list", "deal_record", "deal_detail", "deal_amend", "event_dashboard", "event_report"]
)
def test_anonymous_visitors_are_sent_to_sign_in(client, deal, name):
    method, url, data = _routes(deal)[name]
    response = _send(client, method, url, data)
    assert response.status_code == 302
    assert response.url.startswith(f"{LOGIN}?next=")


@pytest.mark.parametrize("name", ["deal_detail", "deal_amend"])
@pytest.mark.parametrize("who", ["other_exporter", "other_buyer", "other_organiser"])
def test_strangers_get_404_for_a_deal(login, deal, name, who):
    organisation = {
        "other_exporter": ExporterFactory,
        "other_buyer": BuyerFactory,
        "other_organiser": OrganiserFactory,
    }[who]()
    method, url, data = _routes(deal)[name]
    assert (
        _send(login(MembershipFactory(organisation=organisation).user), method, url, data).status_code == 404
    )


@pytest.mark.parametrize("name", ["event_dashboard", "event_report"])
@pytest.mark.parametrize("who", ["exporter", "buyer", "other_organiser"])
def test_only_the_events_organisers_see_its_dashboard_and_reports(
    login, deal, exporter_admin, buyer_admin, name, who
):
    user = {
        "exporter": exporter_admin,
        "buyer": buyer_admin,
        "other_organiser": MembershipFactory(organisation=OrganiserFactory()).user,
    }[who]
    method, url, data = _routes(deal)[name]
    assert _send(login(user), method, url, data).status_code == 404


def test_the_events_organiser_reads_the_deal_but_cannot_answer_or_amend_it(login, deal, organiser):
    client = login(organiser)
    assert client.get(reverse("deal_detail", args=[deal.pk])).status_code == 200
    assert client.get(reverse("deal_amend", args=[deal.pk])).status_code == 404
    response = client.post(reverse("deal_detail", args=[deal.pk]), {"action": "confirm"})
    assert response.status_code == 404
    deal.refresh_from_db()
    assert deal.state == Deal.State.RECORDED


def test_organisers_cannot_record_deals(login, organiser):
    assert login(organiser).get(reverse("deal_record")).status_code == 404


def test_a_stranger_cannot_post_an_answer(login, deal):
    stranger = MembershipFactory(organisation=BuyerFactory()).user
    response = login(stranger).post(reverse("deal_detail", args=[deal.pk]), {"action": "confirm"})
    assert response.status_code == 404
    deal.refresh_from_db()
    assert deal.state == Deal.State.RECORDED


# Recording ---------------------------------------------------------------------------


def _post_deal(lines: list[tuple[int, str, str]], **fields: str) -> dict[str, str]:
    data = {
        "signed_on": SIGNED.isoformat(),
        "currency": "USD",
        "incoterm": "FOB",
        "note": "",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "50",
        **fields,
    }
    for index, (lot, quantity, price) in enumerate(lines):
        data.update(
            {
                f"lines-{index}-lot": str(lot),
                f"lines-{index}-quantity": quantity,
                f"lines-{index}-unit_price": price,
            }
        )
    return data


def test_the_record_page_lists_only_companies_met_or_matched(login, exporter, buyer, exporter_admin, fair):
    MeetingFactory(event=fair, exporter=exporter, buyer=buyer)
    matched = BuyerFactory(name="Almaty Motors")
    MatchFactory(
        lot=LotFactory(exporter=exporter),
        need=NeedFactory(buyer=matched),
        state=Match.State.MUTUAL,
        exporter_interest="yes",
        buyer_interest="yes",
    )
    BuyerFactory(name="Never Met Trading")

    response = login(exporter_admin).get(reverse("deal_record"))

    assert [company.name for company in response.context["counterparts"]] == sorted(
        [buyer.name, "Almaty Motors"]
    )
    assert "Never Met Trading" not in response.text


def test_a_company_never_met_cannot_be_chosen(login, exporter_admin):
    stranger = BuyerFactory()
    assert login(exporter_admin).get(reverse("deal_record"), {"with": stranger.pk}).status_code == 404


def test_an_exporter_records_a_deal_from_a_meeting(login, exporter, buyer, exporter_admin, fair, lot):
    meeting = MeetingFactory(event=fair, exporter=exporter, buyer=buyer)
    url = reverse("deal_record") + f"?meeting={meeting.pk}"

    response = login(exporter_admin).post(url, _post_deal([(lot.pk, "4", "15000")]))

    deal = Deal.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("deal_detail", args=[deal.pk])
    assert (deal.event, deal.meeting, deal.buyer, deal.recorded_by) == (fair, meeting, buyer, exporter)


def test_someone_elses_meeting_is_404(login, exporter_admin, fair):
    meeting = MeetingFactory(event=fair)
    assert login(exporter_admin).get(reverse("deal_record"), {"meeting": meeting.pk}).status_code == 404


def test_a_buyer_records_a_deal_on_the_exporters_lot(login, exporter, buyer, buyer_admin, fair, lot):
    MeetingFactory(event=fair, exporter=exporter, buyer=buyer)
    url = reverse("deal_record") + f"?with={exporter.pk}"
    page = login(buyer_admin).get(url)
    assert lot in page.context["lines"].forms[0].fields["lot"].queryset

    response = login(buyer_admin).post(url, _post_deal([(lot.pk, "2", "15000")], event=str(fair.pk)))

    assert response.status_code == 302
    deal = Deal.objects.get()
    assert (deal.recorded_by, deal.awaiting, deal.event) == (buyer, exporter, fair)


def test_bad_lines_are_reported_by_field_and_nothing_is_saved(
    login, exporter, buyer, exporter_admin, fair, lot
):
    MeetingFactory(event=fair, exporter=exporter, buyer=buyer)
    url = reverse("deal_record") + f"?with={buyer.pk}"
    data = _post_deal([(lot.pk, "0", "15000"), (lot.pk, "", "")], signed_on="not a date")

    response = login(exporter_admin).post(url, data)

    assert response.status_code == 200
    assert response.context["form"].errors["signed_on"]
    lines = response.context["lines"]
    assert lines.forms[0].errors["quantity"]
    assert lines.forms[1].errors["quantity"] == ["How many vehicles?"]
    assert lines.forms[1].errors["unit_price"] == ["Give the unit price."]
    assert not Deal.objects.exists()


def test_no_lines_at_all_is_refused(login, exporter, buyer, exporter_admin, fair):
    MeetingFactory(event=fair, exporter=exporter, buyer=buyer)
    response = login(exporter_admin).post(reverse("deal_record") + f"?with={buyer.pk}", _post_deal([]))
    assert response.context["lines"].non_form_errors() == ["Add at least one lot to the deal."]


def test_the_service_refusal_shows_on_the_form(login, exporter, buyer, exporter_admin, fair, lot):
    MeetingFactory(event=fair, exporter=exporter, buyer=buyer)
    response = login(exporter_admin).post(
        reverse("deal_record") + f"?with={buyer.pk}", _post_deal([(lot.pk, "11", "15000")])
    )
    assert response.status_code == 200
    assert "has 10 vehicles left; this deal takes 11" in response.text
    assert not Deal.objects.exists()


# Answering ---------------------------------------------------------------------------


def test_the_buyer_confirms_on_the_deal_page(login, deal, buyer_admin, lot):
    client = login(buyer_admin)
    page = client.get(reverse("deal_detail", args=[deal.pk]))
    assert page.context["awaiting_us"]

    response = client.post(reverse("deal_detail", args=[deal.pk]), {"action": "confirm"})

    assert response.status_code == 302
    deal.refresh_from_db()
    lot.refresh_from_db()
    assert deal.state == Deal.State.CONFIRMED
    assert lot.quantity == 6


def test_a_dispute_without_a_reason_shows_the_error_on_the_form(login, deal, buyer_admin):
    response = login(buyer_admin).post(
        reverse("deal_detail", args=[deal.pk]), {"action": "dispute", "reason": ""}
    )
    assert response.status_code == 200
    assert response.context["reason_form"].errors["reason"]
    deal.refresh_from_db()
    assert deal.state == Deal.State.RECORDED


def test_a_short_lot_on_confirmation_is_a_message_not_an_error_page(login, deal, buyer_admin, lot):
    Lot.objects.filter(pk=lot.pk).update(quantity=2)
    response = login(buyer_admin).post(
        reverse("deal_detail", args=[deal.pk]), {"action": "confirm"}, follow=True
    )
    assert response.status_code == 200
    assert "Lot BYD-SONG-01 has 2 vehicles left; this deal takes 4." in response.text


def test_the_recorder_amends_and_the_history_shows_both_versions(login, deal, exporter_admin, lot):
    client = login(exporter_admin)
    data = _post_deal([(lot.pk, "3", "14500")])
    data["lines-INITIAL_FORMS"] = "1"

    response = client.post(reverse("deal_amend", args=[deal.pk]), data)

    assert response.status_code == 302
    page = client.get(reverse("deal_detail", args=[deal.pk]))
    assert [change.action for change in page.context["changes"]] == ["recorded", "amended"]
    assert "4 × BYD-SONG-01 @ 15000.00" in page.text
    assert "3 × BYD-SONG-01 @ 14500.00" in page.text


def test_a_confirmed_deal_is_not_offered_for_amendment(login, deal, buyer, buyer_admin, exporter_admin):
    deal_confirm(deal=deal, by=buyer, user=buyer_admin)
    response = login(exporter_admin).get(reverse("deal_amend", args=[deal.pk]))
    assert response.status_code == 302


def test_the_list_filters_by_state_and_counts_what_waits(login, deal, buyer_admin, exporter_admin):
    waiting = login(buyer_admin).get(reverse("deal_list"))
    assert waiting.context["awaiting_count"] == 1
    assert (
        list(login(exporter_admin).get(reverse("deal_list"), {"state": "confirmed"}).context["deals"]) == []
    )


# The dashboard -----------------------------------------------------------------------


def test_the_dashboard_shows_confirmed_value_and_leaves_the_rest_out(
    login, deal, record, lot, buyer, buyer_admin, organiser, fair
):
    FxRate.objects.update_or_create(
        currency="USD", date=datetime.date(2026, 11, 1), defaults={"rate_to_cny": Decimal("7.1")}
    )
    deal_confirm(deal=deal, by=buyer, user=buyer_admin)
    record((lot, 1, "99999"), event=fair)  # recorded only: not counted

    response = login(organiser).get(reverse("event_dashboard", args=[fair.slug]))

    dashboard = response.context["dashboard"]
    assert (dashboard.totals.cny, dashboard.totals.vehicles) == (Decimal("426000.0"), 4)
    assert "¥426,000" in response.text
    assert "$60,000" in response.text
    assert dashboard.states.recorded == 1
    assert (dashboard.pending.cny, dashboard.pending.vehicles) == (Decimal("709992.9"), 1)
    assert "worth CN¥709.99K" in response.text


def test_the_dashboard_of_an_empty_fair_says_so(login, organiser):
    fair = make_fair(organiser.membership.organisation, slug="empty-2027")
    response = login(organiser).get(reverse("event_dashboard", args=[fair.slug]))
    assert response.status_code == 200
    assert "No confirmed deals yet." in response.text


def test_htmx_refresh_returns_only_the_figures(login, organiser, fair):
    response = login(organiser).get(
        reverse("event_dashboard", args=[fair.slug]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "kpis" in response.text


@pytest.mark.parametrize(("kind", "fmt"), [("deals", "csv"), ("meetings", "xlsx"), ("participants", "csv")])
def test_the_organiser_downloads_reports(login, organiser, deal, kind, fmt):
    response = login(organiser).get(reverse("event_report", args=[deal.event.slug, kind, fmt]))
    assert response.status_code == 200
    assert f"{deal.event.slug}-{kind}-" in response["Content-Disposition"]


@pytest.mark.parametrize(("kind", "fmt"), [("lots", "csv"), ("deals", "pdf")])
def test_unknown_reports_are_404(login, organiser, deal, kind, fmt):
    assert login(organiser).get(reverse("event_report", args=[deal.event.slug, kind, fmt])).status_code == 404


# Queries do not grow with rows ---------------------------------------------------------


def _crowd(rows: int, fair, exporter, buyer) -> None:
    """`rows` confirmed deals, each with two lines, from `rows` buyers of as many
    countries, plus as many meetings and participants."""
    for index in range(rows):
        other_buyer = BuyerFactory(country=["RU", "KZ", "NG", "VN", "IR"][index % 5])
        ParticipationFactory(event=fair, organisation=other_buyer)
        MeetingFactory(event=fair, exporter=exporter, buyer=other_buyer)
        for who in (buyer, other_buyer):
            deal_ = DealFactory(
                event=fair,
                exporter=exporter,
                buyer=who,
                state=Deal.State.CONFIRMED,
                confirmed_at=timezone.now(),
                currency=["USD", "EUR", "CNY"][index % 3],
            )
            DealLineFactory.create_batch(2, deal=deal_)


# Exact, the same on SQLite and PostgreSQL and for 1 or 3 rows.
QUERY_COUNTS = {
    "deal_list": ("exporter", 9),
    "deal_detail": ("exporter", 10),
    "deal_amend": ("exporter", 11),
    "deal_record": ("exporter", 6),
    "deal_record_with": ("exporter", 11),
    "event_dashboard": ("organiser", 16),
    "event_report_deals": ("organiser", 8),
    "event_report_meetings": ("organiser", 7),
    "event_report_participants": ("organiser", 7),
}


@pytest.mark.parametrize("rows", [1, 3])
@pytest.mark.parametrize(("case", "count"), [(k, v[1]) for k, v in QUERY_COUNTS.items()])
def test_queries_do_not_grow_with_rows(
    login,
    deal,
    exporter,
    buyer,
    fair,
    exporter_admin,
    organiser,
    case,
    count,
    rows,
    django_assert_num_queries,
):
    _crowd(rows, fair, exporter, buyer)
    for index in range(rows):
        DealLineFactory(deal=deal, lot=LotFactory(exporter=exporter, ref=f"EXTRA-{index}"))
    MeetingFactory(event=fair, exporter=exporter, buyer=buyer)
    urls = {
        "deal_list": reverse("deal_list"),
        "deal_detail": reverse("deal_detail", args=[deal.pk]),
        "deal_amend": reverse("deal_amend", args=[deal.pk]),
        "deal_record": reverse("deal_record"),
        "deal_record_with": reverse("deal_record") + f"?with={buyer.pk}",
        "event_dashboard": reverse("event_dashboard", args=[fair.slug]),
        "event_report_deals": reverse("event_report", args=[fair.slug, "deals", "xlsx"]),
        "event_report_meetings": reverse("event_report", args=[fair.slug, "meetings", "csv"]),
        "event_report_participants": reverse("event_report", args=[fair.slug, "participants", "csv"]),
    }
    who = {"exporter": exporter_admin, "organiser": organiser}[QUERY_COUNTS[case][0]]
    client = login(who)

    with django_assert_num_queries(count):
        response = client.get(urls[case])

    assert response.status_code == 200


def test_every_deal_view_has_a_query_bound():
    measured = {
        case.removesuffix("_with").split("_report")[0]
        if case.startswith("event_report")
        else case.removesuffix("_with")
        for case in QUERY_COUNTS
    }
    assert measured | {"event_report"} >= {pattern.name for pattern in deal_urls.urlpatterns}


def test_a_pending_participant_cannot_be_given_a_deal_at_the_event(
    login, exporter, buyer, exporter_admin, fair, lot
):
    Participation.objects.filter(event=fair, organisation=buyer).update(status=Participation.Status.PENDING)
    MeetingFactory(event=fair, exporter=exporter, buyer=buyer)
    page = login(exporter_admin).get(reverse("deal_record"), {"with": buyer.pk})
    assert fair not in page.context["form"].fields["event"].queryset


def test_the_deal_page_gives_the_value_in_yuan_at_the_signing_days_rate(login, deal, buyer_admin):
    FxRate.objects.update_or_create(
        currency="USD", date=datetime.date(2026, 11, 1), defaults={"rate_to_cny": Decimal("7.1")}
    )
    FxRate.objects.update_or_create(
        currency="USD", date=datetime.date(2026, 11, 21), defaults={"rate_to_cny": Decimal("9")}
    )
    response = login(buyer_admin).get(reverse("deal_detail", args=[deal.pk]))
    assert response.context["total_cny"] == Decimal("426000.00")
    assert "¥426,000" in response.text


def test_organisers_list_one_events_deals(login, deal, organiser, record, lot):
    other = make_fair(organiser.membership.organisation, slug="other-2027")
    ParticipationFactory(event=other, organisation=deal.exporter)
    ParticipationFactory(event=other, organisation=deal.buyer)
    record((lot, 1, "15000"), event=other)
    response = login(organiser).get(reverse("deal_list"), {"event": deal.event.slug})
    assert [item.pk for item in response.context["deals"]] == [deal.pk]


def test_the_exporter_sees_the_deals_on_its_lot_and_nobody_else_does(
    login, deal, lot, exporter_admin, organiser
):
    own = login(exporter_admin).get(reverse("lot_detail", args=[lot.pk]))
    assert [line.deal_id for line in own.context["deal_lines"]] == [deal.pk]
    assert reverse("deal_detail", args=[deal.pk]) in own.text

    seen_by_organiser = login(organiser).get(reverse("lot_detail", args=[lot.pk]))
    assert "deal_lines" not in seen_by_organiser.context
    assert reverse("deal_detail", args=[deal.pk]) not in seen_by_organiser.text
