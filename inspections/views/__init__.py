"""Views of the inspections app, one module per area."""
