"""Needs analysis: counters kept from the domain events, and the reports read from them.

`tally` says what one request adds to the counters; `store` keeps the counters and each request's
tally in the table; `counting` applies an event; `rebuild` recomputes everything from the pool;
`periods` turns a date range into the items to read; `reports` builds the figures; `opendata` makes
the anonymised export. See docs/reports.md.
"""
