"""Pages of the assessment: indicator systems and their weights, the period dashboard, results, explanations,
sensitivity, rating links with QR codes, and the rating form a member of the masses opens on a phone."""
