"""Rare-earth trade dashboard: customs data in, world maps and dependency views out."""
__version__ = "0.1.0"
