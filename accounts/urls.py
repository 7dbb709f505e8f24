from django.urls import path

from accounts import views
from accounts.views import contact_points

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("convention/", views.ConventionView.as_view(), name="convention"),
    path("profile/", views.ProfileUpdateView.as_view(), name="profile_edit"),
    path("organisations/", views.OrganisationListView.as_view(), name="organisation_list"),
    path("organisations/<int:pk>/", views.OrganisationDetailView.as_view(), name="organisation_detail"),
    path("organisations/<int:pk>/edit/", views.OrganisationUpdateView.as_view(), name="organisation_edit"),
    path(
        "organisations/<int:pk>/verify/", views.OrganisationVerifyView.as_view(), name="organisation_verify"
    ),
    path("organisations/<int:pk>/team/", views.TeamView.as_view(), name="team"),
    path(
        "organisations/<int:pk>/invitations/<int:object_pk>/revoke/",
        views.InvitationRevokeView.as_view(),
        name="invitation_revoke",
    ),
    path(
        "organisations/<int:pk>/members/<int:object_pk>/remove/",
        views.MemberRemoveView.as_view(),
        name="member_remove",
    ),
    path(
        "organisations/<int:pk>/members/<int:object_pk>/role/",
        views.MemberRoleView.as_view(),
        name="member_role",
    ),
    path("contact-points/", contact_points.ContactPointListView.as_view(), name="contact_point_list"),
    path("contact-points/new/", contact_points.ContactPointCreateView.as_view(), name="contact_point_create"),
    path(
        "contact-points/<int:pk>/edit/",
        contact_points.ContactPointUpdateView.as_view(),
        name="contact_point_edit",
    ),
    path(
        "contact-points/<int:pk>/delete/",
        contact_points.ContactPointDeleteView.as_view(),
        name="contact_point_delete",
    ),
    path("invitations/<str:token>/", views.InvitationAcceptView.as_view(), name="invitation_accept"),
]
