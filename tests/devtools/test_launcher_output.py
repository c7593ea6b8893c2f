"""`make run` shows each process's lines with the process's name in front, so the web server's, the worker's
and beat's lines in one terminal can be told apart."""

import sys

from devtools.launcher import Child


def test_each_line_of_a_child_carries_its_name(capfd):
    child = Child("celery worker", [sys.executable, "-c",
                                    "import sys; print('ready'); print('oops', file=sys.stderr); "
                                    "sys.stdout.write('no newline at the end')"], tag="worker")
    child.start()
    child.process.wait(timeout=30)
    child.relay.join(timeout=30)  # it ends at the end of the child's output
    lines = capfd.readouterr().out.splitlines()
    assert "   worker | ready" in lines
    assert "   worker | oops" in lines
    assert "   worker | no newline at the end" in lines
