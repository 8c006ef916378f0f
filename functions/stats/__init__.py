"""The stats function: keeps the needs-analysis counters from the domain events."""
