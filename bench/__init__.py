"""`make bench`: the figures the issues ask for, measured side by side in one run."""
