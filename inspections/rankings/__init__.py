"""Monthly scores, rankings and the published bulletin (DOMAIN.md "Monthly scoring").

Layers, each importing only those below it (import-linter checks): urls → views → forms, export,
charts → services (publish, revise, change the settings: the writes) → queries (the month computed
live from SQL aggregates, frozen revisions, drill-down, trend, months on record: the reads) →
scoring (the pure rule, no Django). permissions says who reads and publishes a peer group.
"""
