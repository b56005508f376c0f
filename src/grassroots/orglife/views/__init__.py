"""Pages of organizational life, one module a topic: the organization's page (life), meetings, study, points,
the democratic appraisal, care and talks; what they share is in common."""
