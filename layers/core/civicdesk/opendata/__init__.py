"""Open data: the pool's requests of one day as anonymised rows (codes, neighbourhood, times), written
as CSV and Parquet for the municipality to publish; and the plan of the table's daily export to S3."""
