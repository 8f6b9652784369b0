"""The leads area's business rules."""
