"""A stand-in for the Flask application of seeds/000, standard library only.

The flask service starts it as `vaultform exec --service flask -- python
/app/app.py`, so its secrets arrive as environment variables, read here like
any twelve-factor application reads its configuration. It prints the NAMES it
got (never a value), then a line `ready`, and answers GET /health on
APP_HOST:APP_PORT (default 0.0.0.0:5000) with the names, until SIGTERM or
SIGINT stops it (exit 0).

A real application reads the same variables: app.config["SECRET_KEY"] =
os.environ["FLASK_SECRET_KEY"], a MongoDB URI built from MONGODB_ROOT_USERNAME
and MONGODB_ROOT_PASSWORD, and so on.
"""

import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The variables services.toml gives the flask service.
EXPECTED = [
    "FLASK_SECRET_KEY",
    "FLASK_JWT_KEY",
    "MONGODB_ROOT_USERNAME",
    "MONGODB_ROOT_PASSWORD",
    "REDIS_PASSWORD",
]


def main():
    present = [name for name in EXPECTED if os.environ.get(name)]
    missing = [name for name in EXPECTED if name not in present]
    for name in present:
        print(f"app: got {name}", flush=True)
    if missing:
        print(f"app: missing {', '.join(missing)}", file=sys.stderr, flush=True)
        return 1

    class Health(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != "/health":
                self.send_error(404)
                return
            body = json.dumps({"status": "ok", "secrets": present}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            pass

    host = os.environ.get("APP_HOST", "0.0.0.0")
    port = int(os.environ.get("APP_PORT", "5000"))
    server = ThreadingHTTPServer((host, port), Health)

    def stop(signum, frame):
        # shutdown() waits for serve_forever() to return: not from its own thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"app: listening on {host}:{server.server_address[1]}", flush=True)
    print("ready", flush=True)
    server.serve_forever()
    server.server_close()
    print("app: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
