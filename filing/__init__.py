"""Filing: the officer's dossiers (hồ sơ) from opening to the agency archive, the registry's registers of incoming
and outgoing documents (sổ đăng ký văn bản đến, đi), and each user's saved searches. Domain services: no Flask, the
caller commits."""
