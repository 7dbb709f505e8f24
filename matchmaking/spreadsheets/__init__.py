"""Spreadsheets in and out: reading CSV/XLSX safely (files, limits), the lot
and need columns (formats, cells), checking (validation, rows, reports),
applying (apply), background jobs (jobs, selectors), exports and the
commands' shared code."""
