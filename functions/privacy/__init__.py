"""The privacy function: KVKK erasure and access requests, the logs, and the retention job."""
