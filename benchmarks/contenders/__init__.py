"""Worker scripts, one per contender; each runs inside that contender's environment."""
