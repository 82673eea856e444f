"""One module per stage group; each node is a small function of (state, runtime)."""
