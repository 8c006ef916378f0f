"""The staff API function."""
