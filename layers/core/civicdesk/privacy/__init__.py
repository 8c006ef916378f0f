"""Privacy by design (KVKK): keeping personal data out of what does not need it."""
