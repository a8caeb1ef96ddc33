"""Bulk steps on the item list: one workflow step applied to up to MAX_ITEMS selected items,
each through the step's own function (its checks, its event, its transaction)."""
