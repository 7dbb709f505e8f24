"""Demo data for `make run`: every app's, in one place, above all of them."""
