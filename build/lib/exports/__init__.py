"""Outputs: the document index PDF, transfer lists and (later) hand-over packages."""
