"""Civic Desk CDK app (`infra/app.py` is the entry point named in cdk.json)."""
