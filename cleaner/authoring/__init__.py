"""Tools for writing rule packs: explain, suggest, rules-report, new-site."""
