# Lots, needs, matches, events and deals arrive here as their issues land.
urlpatterns: list = []
