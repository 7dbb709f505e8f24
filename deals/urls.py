from django.urls import path

from deals.views import dashboard, deals

urlpatterns = [
    path("deals/", deals.DealListView.as_view(), name="deal_list"),
    path("deals/new/", deals.DealRecordView.as_view(), name="deal_record"),
    path("deals/<int:pk>/", deals.DealDetailView.as_view(), name="deal_detail"),
    path("deals/<int:pk>/edit/", deals.DealAmendView.as_view(), name="deal_amend"),
    # Organisers of an event
    path("events/<slug:slug>/dashboard/", dashboard.EventDashboardView.as_view(), name="event_dashboard"),
    path(
        "events/<slug:slug>/reports/<str:kind>.<str:fmt>",
        dashboard.EventReportView.as_view(),
        name="event_report",
    ),
]
