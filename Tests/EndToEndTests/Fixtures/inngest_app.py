"""A minimal Inngest app on the official Python SDK (Flask), for rekey's end-to-end tests.

Usage: python inngest_app.py APP_ID PORT DOTENV_FILE

It loads DOTENV_FILE with python-dotenv (variables already in the process environment win, as they do
for most deploy systems), runs in cloud mode (is_production=True: every request must be signed) on
127.0.0.1:PORT, and serves one function at /api/inngest. It refuses to start unless both origins the
SDK chose (the API, for /fn/register, and the event API) are on the loopback interface: the SDK falls
back to https://api.inngest.com when a base URL doesn't suit it, and a test must never reach it.
"""

import sys
import urllib.parse

from dotenv import load_dotenv

app_id, port, env_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
load_dotenv(env_file, override=False)

import flask  # noqa: E402
import inngest  # noqa: E402
import inngest.flask  # noqa: E402

client = inngest.Inngest(app_id=app_id, is_production=True)

for origin in (client.api_origin, client.event_api_origin):
    host = urllib.parse.urlsplit(origin).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"refusing to start: the SDK chose {origin}, which is not loopback", file=sys.stderr, flush=True)
        sys.exit(2)


@client.create_function(fn_id="ping", trigger=inngest.TriggerEvent(event="test/ping"))
def ping(ctx: inngest.ContextSync) -> str:
    return "pong"


app = flask.Flask(app_id)
inngest.flask.serve(app, client, [ping])
print(f"starting {app_id} on http://127.0.0.1:{port}/api/inngest (api origin {client.api_origin})", flush=True)
app.run(host="127.0.0.1", port=port, threaded=True)
