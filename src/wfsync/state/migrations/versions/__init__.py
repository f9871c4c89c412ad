"""Migration scripts, one linear history (a test checks it has no branches)."""
