"""Dashboards per scope: an organization's subtree in figures and charts, its data screen, and the lists behind."""
