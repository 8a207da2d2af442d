"""The parts behind ``erms.search``: the Vietnamese analyzer and schema, the records' index
documents, the on-disk index generations (written by the worker alone) and the arrays shared by readers.

Nothing outside ``erms.search`` imports these modules: the search interface stays one module
wide, so moving to another engine (PostgreSQL full-text search, OpenSearch) replaces this
package and keeps ``erms.search``'s functions.
"""
