"""LibreOffice runs without any network (PL6 III.5.e copies, "no external requests"): whatever a converted
document links to, the program reaches nothing — not the internet, not even a service on this very host."""

from __future__ import annotations

import socket
import sys

import pytest

from filing import libreoffice

REACH = "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=5); print('reached')"


def test_a_program_run_as_libreoffice_is_run_reaches_nothing_on_this_host(tmp_path):
    if not libreoffice.fence():
        pytest.skip("this kernel or container allows no network namespace of one's own (unshare -rn)")
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(0.5)
        port = listener.getsockname()[1]
        # The same runner as a conversion's: the program tries to reach the listener on this host.
        said = libreoffice._run([sys.executable, "-c", REACH, str(port)], tmp_path, timeout=30)
        with pytest.raises(TimeoutError):
            listener.accept()
    assert "reached" not in said
