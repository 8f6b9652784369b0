"""The owner's daily report: where the money leaks, computed in the database for any period."""
