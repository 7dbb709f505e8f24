from django.urls import path

from conversations import views

urlpatterns = [
    path("conversations/", views.ConversationListView.as_view(), name="conversation_list"),
    path("conversations/<int:pk>/", views.ConversationView.as_view(), name="conversation_detail"),
    path(
        "conversations/<int:pk>/messages/<int:message_pk>/attachment/",
        views.AttachmentView.as_view(),
        name="conversation_attachment",
    ),
    path(
        "conversations/<int:pk>/messages/<int:message_pk>/report/",
        views.MessageReportView.as_view(),
        name="conversation_message_report",
    ),
    path("organiser/reports/", views.ReportListView.as_view(), name="report_list"),
    path("organiser/reports/<int:pk>/", views.ReportModerationView.as_view(), name="report_detail"),
    path(
        "organiser/reports/<int:pk>/<str:action>/",
        views.ReportActionView.as_view(),
        name="report_action",
    ),
    path("matches/<int:pk>/conversation/", views.ConversationStartView.as_view(), name="conversation_start"),
]
