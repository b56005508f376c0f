"""Import of organizations and members from spreadsheets (being written)."""
