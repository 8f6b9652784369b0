"""Deal outcomes: rejection audits with callbacks, and the hand-off after the first purchase."""
