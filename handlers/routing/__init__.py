"""The routing area's business rules."""
