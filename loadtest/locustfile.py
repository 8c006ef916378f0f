"""Disaster-day load on a deployed stage (docs/capacity.md): file, follow, browse — as citizens do.

For operators, not installed with the project: `pip install locust`, then
`locust -f loadtest/locustfile.py --host https://<distribution>.cloudfront.net`. Run it against a
staging deployment, never prod: every filing is a real request in the pool (marked as a load test
in its description, so a supervisor can close them in bulk).
"""

from __future__ import annotations

import random
import uuid

from locust import FastHttpUser, between, task

DESCRIPTIONS = (
    "YÜK TESTİ: Binanın duvarında deprem sonrası büyük çatlaklar var, içeri girmek tehlikeli.",
    "YÜK TESTİ: Sokakta enkaz var, ambulans geçemiyor.",
    "YÜK TESTİ: Mahallede su kesildi, yaşlı komşularımız su bekliyor.",
    "YÜK TESTİ: Parktaki ağaç devrildi, yolu kapattı.",
    "LOAD TEST: street lights are out since the earthquake, the street is dark.",
)


class Citizen(FastHttpUser):
    """One citizen on the page: files now and then, looks at the status of what was filed."""

    wait_time = between(1, 5)

    def on_start(self) -> None:
        self.codes: list[str] = []

    @task(5)
    def file(self) -> None:
        """POST /requests with an Idempotency-Key per submission, as the page sends it."""
        body = {"description": random.choice(DESCRIPTIONS)}
        headers = {"content-type": "application/json", "idempotency-key": str(uuid.uuid4())}
        with self.client.post("/requests", json=body, headers=headers, catch_response=True) as answer:
            if answer.status_code == 201:
                self.codes.append(answer.json()["code"])
            elif answer.status_code == 429:  # throttled: the plan's limits were reached; counted, not lost
                answer.failure("throttled (429)")

    @task(3)
    def follow(self) -> None:
        if self.codes:
            self.client.get(f"/requests/{random.choice(self.codes)}", name="/requests/{code}")

    @task(1)
    def browse(self) -> None:
        self.client.get("/catalog")
