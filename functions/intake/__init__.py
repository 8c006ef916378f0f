"""The intake function's handlers."""
