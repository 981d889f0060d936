"""Pages of the measured flow."""
