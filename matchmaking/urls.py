"""Every helper area adds its routes in its own section below."""

from django.urls import path  # noqa: F401

urlpatterns: list = []

# --- Lots and needs: pages (views/exporter.py, views/buyer.py) ---

# --- Imports, exports and templates (views/imports.py) ---

# --- Market rules and FX rates for organisers (views/organiser.py) ---
