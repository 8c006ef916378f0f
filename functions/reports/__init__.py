"""The reports function: the needs-analysis figures for management (`/staff/reports/...`)."""
