#!/usr/bin/env python3
"""Regenerates Sources/RekeySandbox/ExamplePlugin.swift from Playbooks/plugins/example-plugin.py.

`rekey sandbox init --platform plugin` and `rekey demo --platform plugin` write the example plugin into the
sandbox from that embedded copy, so they work without the source tree; a test fails when the two differ.
Run from the repository root after editing the plugin:  python3 Playbooks/plugins/embed-example-plugin.py .
"""
import sys
root = sys.argv[1] if len(sys.argv) > 1 else "."
src = open(root + "/Playbooks/plugins/example-plugin.py").read()
assert '"""#' not in src and src.endswith("\n")
indent = " " * 8
body = "".join((indent + line if line.strip() else "\n") if line.endswith("\n") else indent + line for line in src.splitlines(True))
out = '''// Generated from Playbooks/plugins/example-plugin.py by Playbooks/plugins/embed-example-plugin.py (a test
// checks that they are identical): `rekey sandbox init DIR --platform plugin` and
// `rekey demo --platform plugin` write it into the sandbox, so that they work without the source tree.

/// The example exec plugin.
enum ExamplePlugin {
    /// The plugin's source (Python 3).
    static let source = #"""
''' + body + '''
        """#
}
'''
open(root + "/Sources/RekeySandbox/ExamplePlugin.swift", "w").write(out)
