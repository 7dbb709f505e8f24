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
    path("matches/<int:pk>/conversation/", views.ConversationStartView.as_view(), name="conversation_start"),
]
