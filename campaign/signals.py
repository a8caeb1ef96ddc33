"""Security events that the modules raising them announce and the audit (campaign.audit) records.

Django's own signals cover logging in, logging out and a failed password
(django.contrib.auth.signals); django-axes sends `user_locked_out`. These are the rest.
Each is sent with `request` (may be None from a command) and `user` (whom it concerns).
"""

from django.dispatch import Signal

# A wrong or reused one-time code or recovery code at login, or a wrong code from the app being
# set up (`what`: "setup").
second_factor_failed = Signal()
# A session passed the second step (`what`: "app", or "recovery_code": one was used up).
second_factor_passed = Signal()
# A person set up an authenticator app, or regenerated their recovery codes
# (`what`: "app", "recovery_codes").
second_factor_enrolled = Signal()
# An administrator removed a person's second factor (`by`: the administrator).
second_factor_reset = Signal()
# A person ended all their sessions ("log out everywhere").
logged_out_everywhere = Signal()
# A person changed their own password.
password_changed = Signal()
# A session ended by the idle or the absolute timeout (`reason`: "idle" or "absolute").
session_expired = Signal()
