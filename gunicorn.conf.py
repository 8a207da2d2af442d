"""gunicorn settings for ERMS (read by gunicorn from the working directory; ERMS_BIND etc. override).

One process with threads by default: web processes only read the search index (the worker writes it),
so more processes may run (``ERMS_WORKERS``), but each keeps its own decoded copy of the index's
frequent words (bench/RESULTS.md, "Memory per web worker"). Threads keep pages flowing while one
request waits on the disk or the database; SQLite readers never wait for writers (WAL), writers queue
on the write lock.
"""

import os

bind = os.environ.get("ERMS_BIND", "127.0.0.1:5000")
workers = int(os.environ.get("ERMS_WORKERS", "1"))
worker_class = "gthread"
threads = int(os.environ.get("ERMS_THREADS", str(4 * (os.cpu_count() or 1) + 2)))
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
