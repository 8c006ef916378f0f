"""The sla_checker function's handlers."""
