"""Rare-earth trade dashboard: customs data in, world maps and dependency views out."""
