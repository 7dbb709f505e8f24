from django.urls import path

from matchmaking.views import buyer, exporter, files, freight, market_rules, matches, public
from matchmaking.views import spreadsheets as import_views

urlpatterns = [
    # Lots (exporters) and needs (buyers)
    path("lots/", exporter.LotListView.as_view(), name="lot_list"),
    path("lots/new/", exporter.LotCreateView.as_view(), name="lot_create"),
    path("lots/<int:pk>/", exporter.LotDetailView.as_view(), name="lot_detail"),
    path("lots/<int:pk>/edit/", exporter.LotUpdateView.as_view(), name="lot_edit"),
    path("lots/<int:pk>/status/", exporter.LotStatusView.as_view(), name="lot_status"),
    path("lots/<int:pk>/photos/", exporter.LotPhotoAddView.as_view(), name="lot_photo_add"),
    path(
        "lots/<int:pk>/inspection-report/",
        exporter.LotInspectionReportView.as_view(),
        name="lot_inspection_report",
    ),
    path(
        "lots/<int:pk>/inspection-report.pdf",
        files.LotInspectionReportFileView.as_view(),
        name="lot_inspection_report_file",
    ),
    path(
        "lots/<int:pk>/photos/<int:photo_pk>/delete/",
        exporter.LotPhotoDeleteView.as_view(),
        name="lot_photo_delete",
    ),
    path("needs/", buyer.NeedListView.as_view(), name="need_list"),
    path("needs/new/", buyer.NeedCreateView.as_view(), name="need_create"),
    path("needs/market-rules/", buyer.NeedMarketRulesView.as_view(), name="need_market_rules"),
    path("needs/<int:pk>/", buyer.NeedDetailView.as_view(), name="need_detail"),
    path("needs/<int:pk>/edit/", buyer.NeedUpdateView.as_view(), name="need_edit"),
    path("needs/<int:pk>/status/", buyer.NeedStatusView.as_view(), name="need_status"),
    # Spreadsheet imports, exports and templates
    path("lots/import/", import_views.LotImportView.as_view(), name="lot_import"),
    path("needs/import/", import_views.NeedImportView.as_view(), name="need_import"),
    path("imports/<int:pk>/", import_views.ImportJobDetailView.as_view(), name="import_detail"),
    path("imports/<int:pk>/progress/", import_views.ImportJobProgressView.as_view(), name="import_progress"),
    path("imports/<int:pk>/apply/", import_views.ImportJobApplyView.as_view(), name="import_apply"),
    path("imports/<int:pk>/file/", files.ImportFileView.as_view(), name="import_file"),
    path("lots/export.<str:fmt>", import_views.LotExportView.as_view(), name="lot_export"),
    path("needs/export.<str:fmt>", import_views.NeedExportView.as_view(), name="need_export"),
    path("lots/template.<str:fmt>", import_views.LotTemplateView.as_view(), name="lot_template"),
    path("needs/template.<str:fmt>", import_views.NeedTemplateView.as_view(), name="need_template"),
    # Market rules and FX rates: organisers edit, everyone reads
    path("organiser/market-rules/", market_rules.MarketRuleListView.as_view(), name="market_rule_list"),
    path(
        "organiser/market-rules/new/",
        market_rules.MarketRuleCreateView.as_view(),
        name="market_rule_create",
    ),
    path(
        "organiser/market-rules/<int:pk>/edit/",
        market_rules.MarketRuleEditView.as_view(),
        name="market_rule_edit",
    ),
    path(
        "organiser/market-rules/<int:pk>/delete/",
        market_rules.MarketRuleDeleteView.as_view(),
        name="market_rule_delete",
    ),
    path("organiser/fx-rates/", market_rules.FxRateListView.as_view(), name="fx_rate_list"),
    path("organiser/fx-rates/new/", market_rules.FxRateCreateView.as_view(), name="fx_rate_create"),
    path("organiser/fx-rates/<int:pk>/edit/", market_rules.FxRateEditView.as_view(), name="fx_rate_edit"),
    path(
        "organiser/fx-rates/<int:pk>/delete/",
        market_rules.FxRateDeleteView.as_view(),
        name="fx_rate_delete",
    ),
    path("market-rules/", public.MarketRulesPublicView.as_view(), name="market_rules_public"),
    # Freight, inland haulage and insurance tables: organisers only
    path("organiser/freight/", freight.FreightListView.as_view(), name="freight_list"),
    path("organiser/freight/import/", freight.FreightImportView.as_view(), name="freight_import"),
    path(
        "organiser/freight/template.<str:fmt>", freight.FreightTemplateView.as_view(), name="freight_template"
    ),
    path("organiser/freight/export.<str:fmt>", freight.FreightExportView.as_view(), name="freight_export"),
    path("organiser/freight/rates/new/", freight.FreightRateCreateView.as_view(), name="freight_rate_create"),
    path(
        "organiser/freight/rates/<int:pk>/edit/",
        freight.FreightRateEditView.as_view(),
        name="freight_rate_edit",
    ),
    path(
        "organiser/freight/rates/<int:pk>/delete/",
        freight.FreightRateDeleteView.as_view(),
        name="freight_rate_delete",
    ),
    path(
        "organiser/freight/haulage/new/",
        freight.InlandHaulageCreateView.as_view(),
        name="inland_haulage_create",
    ),
    path(
        "organiser/freight/haulage/<int:pk>/edit/",
        freight.InlandHaulageEditView.as_view(),
        name="inland_haulage_edit",
    ),
    path(
        "organiser/freight/haulage/<int:pk>/delete/",
        freight.InlandHaulageDeleteView.as_view(),
        name="inland_haulage_delete",
    ),
    path(
        "organiser/freight/insurance/new/",
        freight.InsuranceRateCreateView.as_view(),
        name="insurance_rate_create",
    ),
    path(
        "organiser/freight/insurance/<int:pk>/edit/",
        freight.InsuranceRateEditView.as_view(),
        name="insurance_rate_edit",
    ),
    path(
        "organiser/freight/insurance/<int:pk>/delete/",
        freight.InsuranceRateDeleteView.as_view(),
        name="insurance_rate_delete",
    ),
    # Matches and interest
    path("needs/<int:pk>/matches/", matches.NeedMatchesView.as_view(), name="need_matches"),
    path("lots/<int:pk>/matches/", matches.LotMatchesView.as_view(), name="lot_matches"),
    path("matches/<int:pk>/interest/", matches.MatchInterestView.as_view(), name="match_interest"),
    path(
        "lots/<int:lot_pk>/needs/<int:need_pk>/interest/",
        matches.LotNeedInterestView.as_view(),
        name="lot_need_interest",
    ),
    path("organiser/matching/", matches.MatchingOverviewView.as_view(), name="matching_overview"),
    path(
        "organiser/matching/runs/<int:pk>/progress/",
        matches.MatchRunProgressView.as_view(),
        name="match_run_progress",
    ),
]
