"""Filing: the officer's dossiers (hồ sơ) from opening to the agency archive, and the registry's registers of
incoming and outgoing documents (sổ đăng ký văn bản đến, đi). Domain services: no Flask, the caller commits."""
