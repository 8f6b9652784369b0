"""The lead exchange (биржа лидов): unclaimed deals wait with a dedicated user until claimed."""
