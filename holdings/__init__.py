"""The agency archive's holdings on the shelves ("kho lưu trữ", issue 28): repositories, boxes, where each paper
dossier the archive holds is kept, moving a box, and the boxes' labels.

Flask-free like every domain package: services take ``(session, actor, …, *, now)``, check rights and rules first,
write nothing on bad input, audit every change through ``erms.audit`` and never commit.
"""
