"""The working-day calendar page: a campaign's own days and the years entered by hand."""
