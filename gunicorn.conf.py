"""gunicorn settings for ERMS (read by gunicorn from the working directory; ERMS_BIND etc. override).

Two processes per core, four threads each. Web processes only read the search index (the worker writes
it, and the arrays its queries read are mapped from files the worker wrote, shared by every process),
and the app is loaded before the fork, so a process costs ~65 MB more at 100,000 documents
(bench/RESULTS.md, "Memory per web worker"). Threads keep pages flowing while one request waits on the
disk or the database; SQLite readers never wait for writers (WAL), writers queue on the write lock.
"""

import gc
import os

bind = os.environ.get("ERMS_BIND", "127.0.0.1:5000")
# The pages are Python work, and one process runs Python on one core at a time: its threads take turns, so each
# database call's answer waits for the others' turns. More processes with fewer threads each cut that wait (50
# users on PostgreSQL: page p95 150-255 ms with 2 × cores processes of 4 threads, 420-455 ms with one process per
# core of 4 × cores + 2; bench/RESULTS.md, "Processes and threads").
workers = int(os.environ.get("ERMS_WORKERS", str(2 * (os.cpu_count() or 1))))
worker_class = "gthread"
threads = int(os.environ.get("ERMS_THREADS", "4"))
# A 200 MB upload on a slow office line takes minutes; the request is not killed while it streams.
timeout = 600
graceful_timeout = 30
# A browser that paused a few seconds between clicks still finds its connection open (gunicorn's default, 2 s,
# closed idle connections just as people clicked, and a POST sent on a closing connection is not resent).
keepalive = 15
accesslog = "-"
errorlog = "-"
wsgi_app = "wsgi:application"
# gunicorn 24+ opens a control socket in the home directory; ERMS does not use it, and two instances
# (a test beside a running server) would share its path.
control_socket_disable = True
# The app is imported once, before the workers are forked: its modules' memory is then shared by the
# workers instead of loaded again in each.
preload_app = True


def when_ready(server):
    """Cut the default PDF faces once in the master (exports/pdf/faces.py): the workers it forks share the cut,
    instead of each one's first PDF, a dossier's closing, waiting ~2 s to make it."""
    settings = getattr(server.app.wsgi(), "config", {})
    if "PDF_FONT" in settings and not settings["PDF_FONT"]:  # ERMS with the default faces (not the bench's bare page)
        from exports import pdf
        from exports.pdf import faces

        for face in pdf.find_font():
            for blocks in (faces.KEPT_BLOCKS, faces.VIETNAMESE_BLOCKS):
                faces.cut_face(face, blocks)


def pre_fork(server, worker):
    """Keep the master's objects out of the workers' garbage collections, so the pages holding them stay
    shared instead of being copied into each worker (Python's ``gc.freeze`` documentation): one more worker
    costs 62 MB instead of 98 (bench/RESULTS.md, "Memory per web worker")."""
    gc.freeze()


def post_fork(server, worker):
    """Give each worker its own database connections: none opened before the fork may be shared
    (SQLAlchemy, "Using Connection Pools with Multiprocessing or os.fork()")."""
    services = getattr(server.app.wsgi(), "extensions", {}).get("erms")  # None: another app (the bench's bare page)
    if services is not None:
        services.session_factory.kw["bind"].dispose(close=False)
