import Foundation
import Testing

@testable import RekeyCore

/// A fresh temporary directory holding what a sandbox playbook refers to (`sandbox.json`,
/// `apps/api.env`, `apps/worker.env`), with helpers to write and load playbooks there.
///
/// Call ``remove()`` at the end of the test (`defer { fixture.remove() }`).
struct PlaybookFixture {
    /// The directory (symlinks resolved, so it compares equal to the loader's absolute paths).
    let directory: String

    init() throws {
        let base = FileManager.default.temporaryDirectory
            .appendingPathComponent("rekey-playbook-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: base.appendingPathComponent("apps"), withIntermediateDirectories: true)
        directory = base.resolvingSymlinksInPath().path
        try write("sandbox.json", "{}\n")
        try write("apps/api.env", "INNGEST_SIGNING_KEY=signkey-prod-00\n")
        try write("apps/worker.env", "INNGEST_SIGNING_KEY=signkey-prod-00\n")
    }

    /// Removes the directory and everything in it.
    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The absolute path of `relative` inside the fixture.
    func path(_ relative: String) -> String {
        directory + "/" + relative
    }

    /// Writes a text file (creating parent directories).
    func write(_ relative: String, _ text: String) throws {
        let url = URL(fileURLWithPath: path(relative))
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// Writes `document` as `name` and returns its absolute path.
    @discardableResult
    func writePlaybook(_ document: JSONValue, name: String = "playbook.json") throws -> String {
        try write(name, document.serialized(pretty: true))
        return path(name)
    }

    /// Writes and loads `document`.
    func load(_ document: JSONValue) throws -> Playbook {
        try PlaybookLoader.load(path: writePlaybook(document))
    }

    /// Writes and loads `document`, which must be invalid, and returns its problems.
    func problems(_ document: JSONValue, sourceLocation: SourceLocation = #_sourceLocation) throws -> [PlaybookProblem]
    {
        let path = try writePlaybook(document)
        do {
            let playbook = try PlaybookLoader.load(path: path)
            Issue.record("expected problems, but the playbook loaded: \(playbook)", sourceLocation: sourceLocation)
            return []
        } catch {
            guard case .invalid(_, let problems) = error else {
                Issue.record("expected .invalid, got \(error)", sourceLocation: sourceLocation)
                return []
            }
            return problems
        }
    }

    /// A valid sandbox playbook using every field.
    static let validDocument: JSONValue = [
        "$schema": "../playbook.schema.json",
        "version": 1,
        "name": "Sandbox rotation",
        "platform": ["kind": "sandbox", "settings": ["state": "sandbox.json"]],
        "environment": "production",
        "procedure": "inngest",
        "apps": [
            [
                "name": "api", "platformID": "api-id", "target": ["kind": "dotenv", "path": "apps/api.env"],
                "verify": ["kind": "platform"], "eventKey": "Default ingest key",
            ],
            ["name": "worker", "target": ["kind": "dotenv", "path": "apps/worker.env"]],
        ],
        "options": [
            "keyName": "{name} (rotated {date})",
            "concurrency": 8,
            "confirmRedeploy": ["mode": "verify-or-approve", "timeout": "10m", "interval": "2s"],
            "requireApproval": ["rotate-signing-key"],
        ],
    ]

    /// The smallest valid sandbox playbook.
    static let minimalDocument: JSONValue = [
        "version": 1,
        "platform": ["kind": "sandbox", "settings": ["state": "sandbox.json"]],
        "environment": "production",
        "apps": [["name": "api", "target": ["kind": "dotenv", "path": "apps/api.env"]]],
    ]

    /// A valid Inngest playbook (its dotenv targets are the fixture's).
    static let inngestDocument: JSONValue = [
        "version": 1,
        "platform": ["kind": "inngest", "settings": ["apiKeyEnv": "INNGEST_API_KEY"]],
        "environment": "production",
        "apps": [["name": "api", "target": ["kind": "dotenv", "path": "apps/api.env"]]],
    ]
}

/// Relative-path editing of JSON documents for table-driven tests.
extension JSONValue {
    /// A copy with the value at `path` (`apps[1].target.path`, `options`) replaced, or removed when
    /// `newValue` is `nil`. Missing objects on the way are created.
    func setting(_ path: String, to newValue: JSONValue?) -> JSONValue {
        setting(Self.segments(of: path)[...], to: newValue)
    }

    private enum Segment {
        case key(String)
        case index(Int)
    }

    private static func segments(of path: String) -> [Segment] {
        var result: [Segment] = []
        for part in path.split(separator: ".") {
            var rest = part[...]
            if let bracket = rest.firstIndex(of: "[") {
                if bracket > rest.startIndex { result.append(.key(String(rest[..<bracket]))) }
                rest = rest[bracket...]
                while rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                    result.append(.index(Int(rest[rest.index(after: rest.startIndex)..<close])!))
                    rest = rest[rest.index(after: close)...]
                }
            } else {
                result.append(.key(String(rest)))
            }
        }
        return result
    }

    private func setting(_ segments: ArraySlice<Segment>, to newValue: JSONValue?) -> JSONValue {
        guard let first = segments.first else { return newValue ?? .null }
        let isLast = segments.count == 1
        switch (first, self) {
        case (.key(let key), .object(var object)):
            if isLast && newValue == nil {
                object[key] = nil
            } else {
                object[key] = (object[key] ?? .object(JSONObject())).setting(segments.dropFirst(), to: newValue)
            }
            return .object(object)
        case (.index(let index), .array(var elements)):
            if isLast && newValue == nil {
                elements.remove(at: index)
            } else if index == elements.count {
                elements.append(JSONValue.object(JSONObject()).setting(segments.dropFirst(), to: newValue))
            } else {
                elements[index] = elements[index].setting(segments.dropFirst(), to: newValue)
            }
            return .array(elements)
        default:
            preconditionFailure("cannot follow \(first) in \(self.serialized())")
        }
    }
}
