"""Administration (quản trị hệ thống): what those who answer for the system read and manage: security events today.
Domain services: no Flask, the caller commits."""
