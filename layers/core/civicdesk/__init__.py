"""Civic Desk domain package: one pool of citizen requests, classified, routed and tracked.

Shipped to every function as the `core` Lambda layer; importable as `civicdesk`.
"""
