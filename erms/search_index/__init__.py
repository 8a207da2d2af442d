"""The engines behind ``erms.search`` and what they share: the records' index documents (``records``), what a
search asks and answers (``asking``), the Vietnamese analyzer; Whoosh-Reloaded's on-disk generations and the
arrays shared by readers (``whoosh_engine``); PostgreSQL's table of folded words (``postgres_engine``).

Nothing outside ``erms.search`` imports these modules: the search interface stays one module
wide, so another engine (OpenSearch) is one more module here implementing ``asking.Engine``.
"""
