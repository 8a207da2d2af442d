"""The Flask blueprints of ERMS: parse the request, call a service, render or redirect.

No queries and no rules here (docs/architecture.md rule 1); refusals raised by services become
responses in ``erms.web.errors``. Blueprint name = module name = URL prefix = template folder.
"""
