"""The import pages: upload, progress, dry-run report, apply; exports and
templates. Exporters work with lots, buyers with needs, and another
organisation's import is 404."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from matchmaking.models import ImportJob, Lot, Need
from matchmaking.spreadsheets import jobs as services
from matchmaking.tasks import import_apply_task, import_validate_task
from tests.factories import ConventionSignatureFactory, LotFactory, NeedFactory
from tests.matchmaking.spreadsheets.import_support import (
    lot_row,
    lots_csv,
    need_row,
    needs_csv,
    read_csv,
    xlsx_file,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path


def _upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def _post_file(client, url_name: str, name: str, data: bytes, capture):
    with capture(execute=True):
        return client.post(reverse(url_name), {"file": _upload(name, data)})


def _job_of(organisation, **kwargs) -> ImportJob:
    return ImportJob.objects.create(
        organisation=organisation,
        kind=kwargs.pop("kind", ImportJob.Kind.LOTS),
        file=_upload("lots.csv", kwargs.pop("data", lots_csv(lot_row()))),
        original_name="lots.csv",
        **kwargs,
    )


# The flow ---------------------------------------------------------------------


def test_lot_upload_checks_reports_and_applies(login, exporter_admin, django_capture_on_commit_callbacks):
    exporter = exporter_admin.membership.organisation
    ConventionSignatureFactory(organisation=exporter)
    LotFactory(exporter=exporter, ref="OLD", make="Chery", status=Lot.Status.RESERVED)
    client = login(exporter_admin)
    data = lots_csv(lot_row(ref="OLD", make="BYD"), lot_row(ref="NEW-1"), lot_row(ref="NEW-2"))

    response = _post_file(client, "lot_import", "stock.csv", data, django_capture_on_commit_callbacks)

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("import_detail", args=[job.pk])
    assert (job.status, job.uploaded_by, job.original_name) == (
        ImportJob.Status.VALIDATED,
        exporter_admin,
        "stock.csv",
    )
    page = client.get(response.url)
    assert "3 rows checked" in page.text
    assert "Import 3 rows" in page.text
    assert "NEW-2" in page.text  # the preview
    assert Lot.objects.get(ref="OLD").make == "Chery"  # nothing written yet

    with django_capture_on_commit_callbacks(execute=True):
        applied = client.post(reverse("import_apply", args=[job.pk]))

    job.refresh_from_db()
    assert applied.status_code == 302
    assert job.status == ImportJob.Status.APPLIED
    assert job.finished_at is not None
    assert (job.report["created"], job.report["updated"]) == (2, 1)
    old = Lot.objects.get(ref="OLD")
    assert (old.make, old.status) == ("BYD", Lot.Status.RESERVED)
    assert Lot.objects.get(ref="NEW-1").status == Lot.Status.AVAILABLE
    done = client.get(reverse("import_detail", args=[job.pk]))
    assert "2 created, 1 updated" in done.text
    assert reverse("lot_list") in done.text


def test_a_bad_file_shows_every_problem_and_offers_no_import(
    login, exporter_admin, django_capture_on_commit_callbacks
):
    client = login(exporter_admin)
    data = lots_csv(lot_row(ref="A", fuel_type="coal"), lot_row(ref="B"), lot_row(ref="C", mileage_km="lots"))

    response = _post_file(client, "lot_import", "stock.csv", data, django_capture_on_commit_callbacks)
    page = client.get(response.url)

    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.INVALID
    assert [(e["row"], e["column"]) for e in job.report["errors"]] == [(2, "fuel_type"), (4, "mileage_km")]
    assert "Problems to fix" in page.text
    assert "coal" in page.text
    assert "mileage_km" in page.text
    assert "Import 1 row" not in page.text
    assert client.post(reverse("import_apply", args=[job.pk])).status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.INVALID
    assert not Lot.objects.exists()


def test_an_unreadable_file_says_why(login, exporter_admin, django_capture_on_commit_callbacks):
    client = login(exporter_admin)

    response = _post_file(
        client, "lot_import", "stock.csv", "ref\n奇瑞".encode("gbk"), django_capture_on_commit_callbacks
    )

    assert "save it as CSV UTF-8" in client.get(response.url).text


def test_need_upload_of_an_xlsx_file(login, buyer_admin, django_capture_on_commit_callbacks):
    client = login(buyer_admin)
    data = xlsx_file(list(need_row()), [need_row(ref="N-1"), need_row(ref="N-2")])

    response = _post_file(client, "need_import", "needs.xlsx", data, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import_apply", args=[job.pk]))

    assert response.status_code == 302
    assert job.kind == ImportJob.Kind.NEEDS
    assert set(Need.objects.values_list("ref", "status")) == {("N-1", "open"), ("N-2", "open")}


@pytest.mark.parametrize(
    ("name", "message"), [("stock.txt", "Upload a .csv or .xlsx file"), ("stock.csv", "files of at most")]
)
def test_upload_refuses_other_files_before_storing_them(login, exporter_admin, settings, name, message):
    settings.CARBRIDGE_IMPORT_MAX_BYTES = 100
    response = login(exporter_admin).post(reverse("lot_import"), {"file": _upload(name, lots_csv(lot_row()))})

    assert response.status_code == 400
    assert message in response.text
    assert not ImportJob.objects.exists()


def test_applying_twice_imports_once(login, exporter_admin, django_capture_on_commit_callbacks):
    client = login(exporter_admin)
    response = _post_file(
        client, "lot_import", "s.csv", lots_csv(lot_row(ref="A")), django_capture_on_commit_callbacks
    )
    job = ImportJob.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import_apply", args=[job.pk]))
    second = client.post(reverse("import_apply", args=[job.pk]), follow=True)

    assert response.status_code == 302
    assert "not waiting to be applied" in second.text
    assert Lot.objects.count() == 1


def test_tasks_are_safe_to_run_twice(exporter_admin):
    job = _job_of(exporter_admin.membership.organisation, data=lots_csv(lot_row(ref="A"), lot_row(ref="B")))

    import_validate_task.delay(job.pk, "en")
    import_validate_task.delay(job.pk, "en")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALIDATED
    services.import_job_request_apply(job=job)
    import_apply_task.delay(job.pk, "en")
    import_apply_task.delay(job.pk, "en")
    import_validate_task.delay(job.pk, "en")

    job.refresh_from_db()
    assert job.status == ImportJob.Status.APPLIED
    assert job.report["created"] == 2
    assert Lot.objects.count() == 2


def test_apply_checks_the_file_again(exporter_admin):
    """A ref taken since the dry run turns a create into an update, not a clash."""
    organisation = exporter_admin.membership.organisation
    job = _job_of(organisation, data=lots_csv(lot_row(ref="A", make="BYD")))
    services.import_job_validate(job_id=job.pk)
    LotFactory(exporter=organisation, ref="A", make="Chery")

    services.import_job_request_apply(job=job)
    services.import_job_apply(job_id=job.pk)

    job.refresh_from_db()
    assert (job.report["created"], job.report["updated"]) == (0, 1)
    assert Lot.objects.get().make == "BYD"


def test_the_report_is_in_the_uploaders_language(login, exporter_admin, django_capture_on_commit_callbacks):
    client = login(exporter_admin)
    client.post(reverse("set_language"), {"language": "ru", "next": "/"})

    _post_file(
        client, "lot_import", "s.csv", lots_csv(lot_row(mileage_km="-5")), django_capture_on_commit_callbacks
    )

    # Django's own validator messages come translated whatever our catalogue holds.
    [error] = ImportJob.objects.get().report["errors"]
    assert error["column"] == "mileage_km"
    assert "Убедитесь" in error["reason"]


# Progress ---------------------------------------------------------------------


def test_a_running_job_polls_its_progress(login, exporter_admin, django_assert_num_queries):
    job = _job_of(exporter_admin.membership.organisation, status=ImportJob.Status.VALIDATING, rows_total=10)
    client = login(exporter_admin)

    page = client.get(reverse("import_detail", args=[job.pk]))
    # savepoint, session, user, job, membership, release
    with django_assert_num_queries(6):
        partial = client.get(reverse("import_progress", args=[job.pk]), headers={"HX-Request": "true"})

    for response in (page, partial):
        assert f'hx-get="{reverse("import_progress", args=[job.pk])}"' in response.text
        assert 'hx-trigger="every 1s"' in response.text
        assert "<progress" in response.text
    assert "<html" not in partial.text


def test_progress_comes_from_the_running_task(exporter_admin):
    job = _job_of(exporter_admin.membership.organisation, status=ImportJob.Status.VALIDATING, rows_total=10)

    services._progress_reporter(job.pk)(500, 1000)

    assert services.import_progress(job) == (500, 1000)


def test_a_finished_job_reloads_the_page_instead_of_polling(login, exporter_admin):
    job = _job_of(exporter_admin.membership.organisation, status=ImportJob.Status.VALIDATED)
    client = login(exporter_admin)

    htmx = client.get(reverse("import_progress", args=[job.pk]), headers={"HX-Request": "true"})
    plain = client.get(reverse("import_progress", args=[job.pk]))

    assert htmx.headers["HX-Refresh"] == "true"
    assert plain.status_code == 302
    assert plain.url == reverse("import_detail", args=[job.pk])


# Permissions ------------------------------------------------------------------


def test_another_organisations_import_is_not_found(login, exporter_admin, other_exporter_admin):
    job = _job_of(other_exporter_admin.membership.organisation, status=ImportJob.Status.VALIDATED)
    client = login(exporter_admin)

    assert client.get(reverse("import_detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("import_progress", args=[job.pk])).status_code == 404
    assert client.post(reverse("import_apply", args=[job.pk])).status_code == 404
    assert client.get(reverse("import_detail", args=[job.pk + 100])).status_code == 404
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALIDATED


def test_only_exporters_import_and_export_lots(login, buyer_admin, organiser):
    for user in (buyer_admin, organiser):
        client = login(user)
        assert client.get(reverse("lot_import")).status_code == 404
        assert (
            client.post(reverse("lot_import"), {"file": _upload("l.csv", lots_csv(lot_row()))}).status_code
            == 404
        )
        assert client.get(reverse("lot_export", args=["csv"])).status_code == 404
    assert not ImportJob.objects.exists()


def test_only_buyers_import_and_export_needs(login, exporter_admin, organiser):
    for user in (exporter_admin, organiser):
        client = login(user)
        assert client.get(reverse("need_import")).status_code == 404
        assert (
            client.post(reverse("need_import"), {"file": _upload("n.csv", needs_csv(need_row()))}).status_code
            == 404
        )
        assert client.get(reverse("need_export", args=["xlsx"])).status_code == 404
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("url_name", "args"),
    [
        ("lot_import", []),
        ("need_import", []),
        ("import_detail", [1]),
        ("lot_export", ["csv"]),
        ("lot_template", ["csv"]),
    ],
)
def test_signed_out_visitors_are_sent_to_sign_in(client, url_name, args):
    response = client.get(reverse(url_name, args=args))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_apply_is_post_only(login, exporter_admin):
    job = _job_of(exporter_admin.membership.organisation, status=ImportJob.Status.VALIDATED)

    assert login(exporter_admin).get(reverse("import_apply", args=[job.pk])).status_code == 405


# Pages and their queries --------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 3])
def test_upload_page_lists_recent_imports_in_constant_queries(
    login, exporter_admin, rows, django_assert_num_queries
):
    for _ in range(rows):
        _job_of(exporter_admin.membership.organisation)
    client = login(exporter_admin)

    # savepoint, session, user, membership, recent jobs, release
    with django_assert_num_queries(6):
        response = client.get(reverse("lot_import"))

    assert response.status_code == 200
    assert len(response.context["jobs"]) == rows
    assert reverse("lot_template", args=["csv"]) in response.text
    assert reverse("lot_template", args=["xlsx"]) in response.text
    assert "first_registration" in response.text


def test_need_upload_page_explains_the_format(login, buyer_admin, django_assert_num_queries):
    client = login(buyer_admin)

    # savepoint, session, user, membership, recent jobs, release
    with django_assert_num_queries(6):
        response = client.get(reverse("need_import"))

    assert reverse("need_template", args=["xlsx"]) in response.text
    assert "allow_split" in response.text


@pytest.mark.parametrize("errors", [1, 3])
def test_report_page_queries_do_not_grow_with_the_report(
    login, exporter_admin, errors, django_assert_num_queries
):
    report = {
        "rows_total": errors,
        "errors": [{"row": n + 2, "column": "make", "reason": "bad"} for n in range(errors)],
        "errors_total": errors,
        "error_rows": errors,
    }
    job = _job_of(exporter_admin.membership.organisation, status=ImportJob.Status.INVALID, report=report)
    client = login(exporter_admin)

    # savepoint, session, user, membership, job, release
    with django_assert_num_queries(6):
        response = client.get(reverse("import_detail", args=[job.pk]))

    assert response.text.count("<td><code>make</code></td>") == errors


def test_apply_view_queries_are_bounded(login, exporter_admin, django_assert_num_queries):
    job = _job_of(exporter_admin.membership.organisation, status=ImportJob.Status.VALIDATED)
    client = login(exporter_admin)

    # savepoint, session, user, job, membership, savepoint, update, two releases;
    # the task runs after the commit, outside this count.
    with django_assert_num_queries(9):
        response = client.post(reverse("import_apply", args=[job.pk]))

    assert response.status_code == 302


@pytest.mark.parametrize("rows", [1, 3])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_lot_export_downloads_only_own_lots_in_constant_queries(
    login, exporter_admin, rows, fmt, django_assert_num_queries
):
    exporter = exporter_admin.membership.organisation
    for n in range(rows):
        LotFactory(exporter=exporter, ref=f"MINE-{n}")
    LotFactory(ref="THEIRS")
    client = login(exporter_admin)

    # savepoint, session, user, membership, lots, release
    with django_assert_num_queries(6):
        response = client.get(reverse("lot_export", args=[fmt]))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    if fmt == "csv":
        refs = [row[0] for row in read_csv(response.content)[1:]]
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        refs = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(refs) == [f"MINE-{n}" for n in range(rows)]


@pytest.mark.parametrize("rows", [1, 3])
def test_need_export_downloads_own_needs_in_constant_queries(
    login, buyer_admin, rows, django_assert_num_queries
):
    for n in range(rows):
        NeedFactory(buyer=buyer_admin.membership.organisation, ref=f"N-{n}")
    NeedFactory(ref="THEIRS")
    client = login(buyer_admin)

    with django_assert_num_queries(6):
        response = client.get(reverse("need_export", args=["csv"]))

    assert response["Content-Type"].startswith("text/csv")
    assert len(read_csv(response.content)) == rows + 1


@pytest.mark.parametrize("url_name", ["lot_template", "need_template"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_templates_download(login, organiser, url_name, fmt, django_assert_num_queries):
    client = login(organiser)

    # savepoint, session, user, release
    with django_assert_num_queries(4):
        response = client.get(reverse(url_name, args=[fmt]))

    assert response.status_code == 200
    assert f"template.{fmt}" in response["Content-Disposition"]


def test_unknown_formats_are_not_found(login, exporter_admin):
    client = login(exporter_admin)

    assert client.get(reverse("lot_export", args=["pdf"])).status_code == 404
    assert client.get(reverse("lot_template", args=["xls"])).status_code == 404
