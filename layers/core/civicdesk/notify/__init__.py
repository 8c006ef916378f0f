"""Notifications: the citizen is told at every stage on their own channel; staff get escalations."""
