"""Two-step verification: after the password, a one-time code from an authenticator app (TOTP,
django-otp's device), or one of ten recovery codes (its static device).

services.py owns the devices (set up, confirm, check a code, recovery codes, remove);
middleware.py keeps a signed-in person who owes the second step from everything else;
views.py holds the pages under /accounts/two-factor/.
"""
