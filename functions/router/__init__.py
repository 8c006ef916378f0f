"""The router function's handlers."""
