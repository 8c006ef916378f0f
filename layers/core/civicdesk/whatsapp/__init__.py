"""The WhatsApp channel (Business Platform, Cloud API): webhook payloads, the guided dialogue,
the outbound client, media, and the service that ties them to the pool.

`dialogue` is pure (state + message -> new state + replies); `service` does the I/O.
"""
