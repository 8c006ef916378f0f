"""The catalogue_seed function's handlers."""
