"""The assessment on the Citus cluster gives every organization the result plain PostgreSQL gives it.

The same demo year (tiny scale, seed 1) is loaded into a fresh database on the cluster and one on the machine's
PostgreSQL, `grassroots assess` runs on each, and every result (score, grade, standing, ranks, TOPSIS, coverage,
veto) is compared organization by organization (bench/citus.py). Runs under `make test-citus`; skipped when the
cluster or the machine's PostgreSQL does not answer."""

import psycopg
import pytest

from bench import citus


def _answers(url: str) -> bool:
    try:
        with psycopg.connect(f"{url}/postgres", connect_timeout=3) as conn:
            return conn.execute("SELECT 1").fetchone() == (1,)
    except psycopg.Error:
        return False


@pytest.mark.slow
def test_the_cluster_assesses_every_organization_as_plain_postgresql_does():
    if not (_answers(citus.CITUS) and _answers(citus.PLAIN)):
        pytest.skip("needs the Citus cluster (make citus-up) and PostgreSQL at 127.0.0.1:5432")
    # (named after the cluster's port: two clusters on one machine share the plain PostgreSQL)
    summary = citus.compare(scale="tiny", name=f"gr_citus_parity_{citus.PORTS[0]}", load="demo")
    assert summary["results"] >= 10
    assert summary["differences"] == []
    # The comparison ran over distributed tables, not reference copies of them.
    rows = summary["distributed_rows"]
    for table in ("assessment_result", "orglife_meeting", "orglife_attendance", "duties_progressreport"):
        assert rows[table] > 0, table
