"""Reports and ledgers: an organization's period report and a committee's summary (PDF, .xlsx), the ledgers
(台账) inspections ask for, and assessment results with one sheet per level; every export streamed and audited."""
