"""The map (issue 12): points and open items as markers, read through the visibility queries,
served as GeoJSON a bounded page at a time."""
