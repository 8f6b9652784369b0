"""The telephony area's business rules."""
