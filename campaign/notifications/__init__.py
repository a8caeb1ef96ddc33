"""Notifications: the in-app inbox, and the channels that carry a notification further (email,
the WeCom and DingTalk group robots), each delivery recorded and retried."""
