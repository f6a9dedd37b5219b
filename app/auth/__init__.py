"""Login and permissions."""
