"""The JSON API for integrations (/api/): django-ninja, bearer tokens of integrations.tokens."""
