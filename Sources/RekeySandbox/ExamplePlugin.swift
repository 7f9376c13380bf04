// Generated from Playbooks/plugins/example-plugin.py by Playbooks/plugins/embed-example-plugin.py (a test
// checks that they are identical): `rekey sandbox init DIR --platform plugin` and
// `rekey demo --platform plugin` write it into the sandbox, so that they work without the source tree.

/// The example exec plugin.
enum ExamplePlugin {
    /// The plugin's source (Python 3).
    static let source = #"""
        #!/usr/bin/env python3
        """Example rekey exec plugin (plugin protocol version 1, see the README: "Plugin protocol").

        It manages the API keys of "acme", an imaginary platform whose whole database is a JSON file: the
        `state` member of the playbook's `settings.config` (a path relative to the playbook's directory), or
        the ACME_STATE environment variable. A real plugin would call the platform's API here instead, with a
        credential read from its environment.

        Written from the protocol specification alone; Python 3 standard library only.
        """

        import datetime
        import fcntl
        import json
        import os
        import secrets
        import sys
        import tempfile

        PROTOCOL = 1


        class Failure(Exception):
            """An error answer: {"ok": false, "error": {"code": ..., "message": ...}}."""

            def __init__(self, code, message):
                super().__init__(message)
                self.code = code
                self.message = message


        def now():
            return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


        def state_path(request):
            config = request.get("config") or {}
            path = config.get("state") or os.environ.get("ACME_STATE")
            if not path:
                raise Failure("rejected", "no state file: set settings.config.state in the playbook")
            return path


        class Database:
            """The platform's database, locked for the whole request (rekey runs requests concurrently)."""

            def __init__(self, path):
                self.path = path
                self.lock = open(path + ".lock", "a")
                fcntl.flock(self.lock, fcntl.LOCK_EX)
                try:
                    with open(path) as handle:
                        self.data = json.load(handle)
                except FileNotFoundError:
                    raise Failure("unavailable", "the acme database %s does not exist" % path)
                except ValueError:
                    raise Failure("rejected", "the acme database %s is not JSON" % path)
                self.data.setdefault("keys", [])

            def save(self):
                directory = os.path.dirname(os.path.abspath(self.path))
                fd, temporary = tempfile.mkstemp(dir=directory, prefix=".acme-")
                with os.fdopen(fd, "w") as handle:
                    json.dump(self.data, handle, indent=2)
                    handle.write("\n")
                    handle.flush()
                    os.fsync(handle.fileno())
                os.chmod(temporary, 0o600)
                os.rename(temporary, self.path)

            def close(self):
                fcntl.flock(self.lock, fcntl.LOCK_UN)
                self.lock.close()

            def find(self, key_id):
                for key in self.data["keys"]:
                    if key["id"] == key_id:
                        return key
                raise Failure("not-found", "key %s does not exist" % key_id)


        def public(key):
            """A key as list-keys shows it: acme shows a secret only once, at creation."""
            shown = {name: key.get(name) for name in ("id", "name", "scope", "createdAt", "lastUsedAt", "primary")}
            shown["prefix"] = key["secret"][:5]
            return shown


        def describe(request, database):
            return {
                "protocol": PROTOCOL,
                "name": "acme",
                "capabilities": ["list-keys", "create-key", "promote-key", "delete-key"],
                "secretsShownOnce": True,
                "procedure": "api-keys-promote",
            }


        def list_keys(request, database):
            return {"keys": [public(key) for key in database.data["keys"]]}


        def create_key(request, database):
            name = request.get("name")
            if not isinstance(name, str) or not name:
                raise Failure("invalid-request", "create-key needs a name")
            scope = request.get("scope")
            key = {
                "id": "key_" + secrets.token_hex(6),
                "name": name,
                "scope": scope,
                "secret": "acme_" + secrets.token_hex(24),
                "createdAt": now(),
                "lastUsedAt": None,
                "primary": False,
            }
            database.data["keys"].append(key)
            database.save()
            print("created key %s (%s)" % (key["id"], name), file=sys.stderr)
            return {"key": dict(public(key), secret=key["secret"])}


        def promote_key(request, database):
            key = database.find(request.get("id"))
            for other in database.data["keys"]:
                if other["scope"] == key["scope"]:
                    other["primary"] = other is key
            database.save()
            print("%s is now the primary key" % key["id"], file=sys.stderr)
            return {}


        def delete_key(request, database):
            key = database.find(request.get("id"))
            database.data["keys"].remove(key)
            database.save()
            print("deleted key %s" % key["id"], file=sys.stderr)
            return {}


        OPERATIONS = {
            "describe": describe,
            "list-keys": list_keys,
            "create-key": create_key,
            "promote-key": promote_key,
            "delete-key": delete_key,
        }


        def main():
            try:
                request = json.loads(sys.stdin.read())
                if not isinstance(request, dict):
                    raise Failure("invalid-request", "the request is not a JSON object")
                if request.get("protocol") != PROTOCOL:
                    raise Failure("unsupported-protocol", "this plugin speaks protocol %d" % PROTOCOL)
                operation = OPERATIONS.get(request.get("operation"))
                if operation is None:
                    raise Failure("unsupported", "unknown operation %r" % request.get("operation"))
                database = None if request["operation"] == "describe" else Database(state_path(request))
                try:
                    answer = operation(request, database)
                finally:
                    if database is not None:
                        database.close()
                answer["ok"] = True
            except Failure as failure:
                answer = {"ok": False, "error": {"code": failure.code, "message": failure.message}}
            except ValueError:
                answer = {"ok": False, "error": {"code": "invalid-request", "message": "the request is not JSON"}}
            json.dump(answer, sys.stdout)
            sys.stdout.write("\n")
            return 0


        if __name__ == "__main__":
            sys.exit(main())

        """#
}
