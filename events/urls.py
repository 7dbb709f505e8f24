from django.urls import path

from events.views import check_in, event_setup, meetings, opportunities, participants, public, scheduling

urlpatterns = [
    path("events/", public.EventListView.as_view(), name="event_list"),
    path("events/new/", event_setup.EventCreateView.as_view(), name="event_create"),
    path("events/<slug:slug>/", public.EventDetailView.as_view(), name="event_detail"),
    # The opportunity list: public once published
    path(
        "events/<slug:slug>/opportunities/",
        opportunities.OpportunityListView.as_view(),
        name="event_opportunities",
    ),
    path(
        "events/<slug:slug>/opportunities.<str:fmt>",
        opportunities.OpportunityDownloadView.as_view(),
        name="event_opportunities_download",
    ),
    path(
        "events/<slug:slug>/opportunities/<int:pk>/offer/",
        opportunities.OpportunityOfferView.as_view(),
        name="event_opportunity_offer",
    ),
    # Participants
    path("events/<slug:slug>/apply/", public.EventApplyView.as_view(), name="event_apply"),
    path("events/<slug:slug>/availability/", public.AvailabilityView.as_view(), name="event_availability"),
    path("events/<slug:slug>/agenda/", public.AgendaView.as_view(), name="event_agenda"),
    path("events/<slug:slug>/agenda.ics", public.AgendaIcsView.as_view(), name="event_agenda_ics"),
    path(
        "events/<slug:slug>/calendar/<str:token>.ics",
        public.AgendaFeedView.as_view(),
        name="event_calendar_feed",
    ),
    path(
        "events/<slug:slug>/meetings/<int:pk>/answer/",
        public.MeetingAnswerView.as_view(),
        name="event_meeting_answer",
    ),
    path(
        "events/<slug:slug>/meetings/<int:pk>/outcome/",
        public.MeetingOutcomeView.as_view(),
        name="event_meeting_outcome",
    ),
    # Organisers
    path("events/<slug:slug>/edit/", event_setup.EventUpdateView.as_view(), name="event_edit"),
    path("events/<slug:slug>/status/", event_setup.EventStatusView.as_view(), name="event_status"),
    path(
        "events/<slug:slug>/opportunities/publish/",
        opportunities.OpportunityPublishView.as_view(),
        name="event_opportunities_publish",
    ),
    path(
        "events/<slug:slug>/participants/",
        participants.ParticipantListView.as_view(),
        name="event_participants",
    ),
    path(
        "events/<slug:slug>/participants/<int:pk>/",
        participants.ParticipantDetailView.as_view(),
        name="event_participant",
    ),
    path(
        "events/<slug:slug>/participants/<int:pk>/decide/",
        participants.ParticipantDecideView.as_view(),
        name="event_participant_decide",
    ),
    path(
        "events/<slug:slug>/participants/<int:pk>/check-in/",
        participants.ParticipantCheckInView.as_view(),
        name="event_participant_check_in",
    ),
    path(
        "events/<slug:slug>/check-in/<str:token>/",
        check_in.CheckInScanView.as_view(),
        name="event_check_in_scan",
    ),
    path("events/<slug:slug>/meetings/", meetings.MeetingListView.as_view(), name="event_meetings"),
    path("events/<slug:slug>/meetings/<int:pk>/", meetings.MeetingManageView.as_view(), name="event_meeting"),
    path("events/<slug:slug>/schedule/", scheduling.ScheduleView.as_view(), name="event_schedule"),
    path(
        "events/<slug:slug>/schedule/runs/<int:pk>/progress/",
        scheduling.ScheduleRunProgressView.as_view(),
        name="event_schedule_progress",
    ),
    path(
        "events/<slug:slug>/schedule/runs/<int:pk>/apply/",
        scheduling.ScheduleApplyView.as_view(),
        name="event_schedule_apply",
    ),
    path("events/<slug:slug>/grid/", scheduling.AgendaGridView.as_view(), name="event_grid"),
    path("events/<slug:slug>/table-signs/", scheduling.TableSignsView.as_view(), name="event_table_signs"),
    path("events/<slug:slug>/table-sheets/", scheduling.TableSheetsView.as_view(), name="event_table_sheets"),
]
