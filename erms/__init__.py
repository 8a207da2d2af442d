"""Electronic records management system."""
