"""Reports and statistics ("báo cáo, thống kê") on the records work of an organisation, its units and people.

Three reports, each a few tables of figures counted by set-based SQL (one GROUP BY query per source, conditional
sums, never a Python loop over records): filing compliance ("tình hình lập hồ sơ", ``compliance``), the holdings
in custody ("tài liệu lưu trữ", ``holdings``) and the document flow ("văn bản đi, đến", ``flow``). Each figure can
be listed back (``drill``: the same conditions, selecting the records instead of counting them); ``charts`` draws
them, ``spreadsheet`` writes them as XLSX and CSV, ``yearly_pdf`` prints the yearly records-work report. Who reads
which units is decided in ``erms.permissions.report_units`` (PL6 II.3, III.4.đ, III.6.a).
"""
