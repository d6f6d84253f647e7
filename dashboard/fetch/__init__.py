"""Fetching real customs data from the services that publish it (UN Comtrade, Eurostat).

Sits above `ingest` and below `web`/`cli`: it writes files in layouts `ingest` already
reads, each with its provenance sidecar, and never imports Dash.
"""
