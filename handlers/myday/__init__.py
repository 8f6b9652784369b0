"""«Мой день»: each employee's end-of-day report, pre-filled from the mirror, kept in the CRM."""
