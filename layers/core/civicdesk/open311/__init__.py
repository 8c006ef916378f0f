"""Open311 GeoReport v2: the standard civic-issue API, served from the pool (docs/architecture.md)."""
