import Foundation

/// The official Inngest Python SDK (`inngest==0.5.19`, Flask, python-dotenv) in the virtual environment
/// `.ci/run` creates (`.build-e2e-venv`), or the interpreter named by `REKEY_E2E_PYTHON`.
///
/// When it is missing, the tests that need it fail under `CI=true` and are skipped (with a message)
/// elsewhere.
enum PythonSDK {
    /// The version the tests are written against.
    static let version = "0.5.19"

    /// The package's root directory (this file is `Tests/EndToEndTests/Support/PythonSDK.swift`).
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The test app (`Tests/EndToEndTests/Fixtures/inngest_app.py`).
    static let app = packageRoot + "/Tests/EndToEndTests/Fixtures/inngest_app.py"

    /// A Python interpreter that imports the SDK at the right version, or `nil`.
    static let interpreter: String? = {
        var candidates: [String] = []
        if let named = ProcessInfo.processInfo.environment["REKEY_E2E_PYTHON"], !named.isEmpty {
            candidates.append(named)
        }
        candidates.append(packageRoot + "/.build-e2e-venv/bin/python")
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            let check = Process()
            check.executableURL = URL(fileURLWithPath: candidate)
            check.arguments = [
                "-c",
                "import importlib.metadata as m, flask, dotenv, inngest; "
                    + "assert m.version('inngest') == '\(version)', m.version('inngest')",
            ]
            check.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            check.standardError = FileHandle(forWritingAtPath: "/dev/null")
            guard (try? check.run()) != nil else { continue }
            check.waitUntilExit()
            if check.terminationStatus == 0 { return candidate }
        }
        return nil
    }()

    /// Whether these tests run under CI (`CI=true`), where a missing SDK is a failure.
    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Whether the tests should run: the SDK is there, or CI requires it (and the test then fails).
    static var shouldRun: Bool {
        if interpreter == nil, !isCI {
            FileHandle.standardError.write(
                Data(
                    ("skipping the Inngest Python SDK end-to-end tests: no interpreter with inngest==\(version), flask "
                        + "and python-dotenv (run .ci/run, or create .build-e2e-venv, or set REKEY_E2E_PYTHON)\n").utf8)
            )
        }
        return interpreter != nil || isCI
    }
}
