"""Dossier lists, the classification scheme and security markings."""
