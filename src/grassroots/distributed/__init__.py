"""Grassroots on Citus (distributed PostgreSQL): which table is distributed by what, applied when the backend is Citus."""
