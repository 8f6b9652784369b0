"""Lead status rules: check, then convert or junk with a reason and evidence."""
