"""Communication quality on a portal: settings, reading conversations, figures for the tab."""
