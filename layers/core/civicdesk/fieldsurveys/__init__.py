"""Field surveys: a supervisor defines, field teams answer on a phone, results sit beside the requests."""
