"""Questions a manager asks of the open data, as Athena SQL over its Glue table (`requests`, one
partition per filing day, `date`). Infra saves each as a named query; docs/analytics.md shows them.

Each reads only the partitions of its period (the `date` predicate), so a year costs a year's files.
"""

from __future__ import annotations

from dataclasses import dataclass

TABLE = "requests"
"""The Glue table's name, as every query below spells it (a test checks they agree)."""


@dataclass(frozen=True)
class Question:
    name: str
    description: str
    sql: str


QUESTIONS = (
    Question(
        name="top-categories-per-neighbourhood",
        description="The five most asked-for categories in each neighbourhood this year",
        sql="""SELECT neighbourhood, neighbourhood_name, category, requests
FROM (
  SELECT neighbourhood, neighbourhood_name, category, count(*) AS requests,
         row_number() OVER (PARTITION BY neighbourhood ORDER BY count(*) DESC) AS rank
  FROM requests
  WHERE "date" >= date_format(date_trunc('year', current_date), '%Y-%m-%d')
    AND neighbourhood <> ''
  GROUP BY neighbourhood, neighbourhood_name, category
)
WHERE rank <= 5
ORDER BY neighbourhood_name, requests DESC""",
    ),
    Question(
        name="promise-kept-per-department-per-month",
        description="The share of answered requests that met the 48-hour promise, by department and month",
        sql="""SELECT substr("date", 1, 7) AS month, department,
       count(*) AS answered,
       count_if(promise_kept) AS in_time,
       round(100.0 * count_if(promise_kept) / count(*), 1) AS percent_in_time,
       approx_percentile(first_response_hours, 0.5) AS median_hours
FROM requests
WHERE "date" >= date_format(date_add('month', -12, current_date), '%Y-%m-01')
  AND promise_kept IS NOT NULL
GROUP BY 1, 2
ORDER BY 1, 2""",
    ),
    Question(
        name="channel-mix-by-month",
        description="How requests arrive: each channel's requests and share, month by month",
        sql="""SELECT substr("date", 1, 7) AS month, channel, count(*) AS requests,
       round(100.0 * count(*) / sum(count(*)) OVER (PARTITION BY substr("date", 1, 7)), 1) AS percent
FROM requests
WHERE "date" >= date_format(date_add('month', -12, current_date), '%Y-%m-01')
GROUP BY 1, 2
ORDER BY 1, requests DESC""",
    ),
)
