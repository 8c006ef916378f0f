"""The notifier function: citizens told at every stage, staff escalations and digests."""
