"""Pages of duties: my work, duty lists, issuing down, assignments, reports with evidence, review."""
