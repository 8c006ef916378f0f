"""Lambda handlers, one folder per deployed function group (each folder is one code asset)."""
