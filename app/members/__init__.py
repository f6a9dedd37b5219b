"""Members: profiles, directory, administration, CSV import and export."""
