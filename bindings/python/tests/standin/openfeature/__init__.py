"""Stand-in for the OpenFeature Python SDK's package (see ../README.md)."""
STANDIN = True
