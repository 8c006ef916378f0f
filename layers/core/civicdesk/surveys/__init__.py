"""Closing the loop with the citizen: the satisfaction survey after a resolution, and reopening."""
