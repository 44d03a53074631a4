"""What this folder's server scripts (moto_launcher.py, athena_stub.py) share: serve on a
thread, print one JSON ready line on stdout, and stop on SIGTERM/SIGINT or once the parent
process (the test) is gone, so a crashed test never leaves a server running."""
import json
import os
import signal
import threading
import time


def watch_parent(parent_pid, server):
    """Stops the server once the parent process is gone."""
    while True:
        try:
            os.kill(parent_pid, 0)
        except ProcessLookupError:
            server.shutdown()
            return
        time.sleep(0.5)


def serve(server, parent_pid, ready):
    """Serves `server` (serve_forever/shutdown/server_close) until told to stop. `ready()`
    runs once the server answers and returns the document of the ready line."""
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if parent_pid:
        threading.Thread(target=watch_parent, args=(parent_pid, server), daemon=True).start()
    print(json.dumps(dict(ready(), pid=os.getpid())), flush=True)
    while serving.is_alive():
        serving.join(0.5)
    server.server_close()
    return 0
