import Foundation
import RekeyCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Kills `rekey run` with SIGKILL at fault points of a full rotation of each other platform (EventNerds,
/// self-hosted Inngest, the example exec plugin), resumes until done, and checks the end state: the same
/// invariants as a rotation nothing interrupted. Every side-effect point is covered (before and after each
/// item's effect), and every third journal record.
@Suite(.serialized) struct PlatformsCrashEndToEndTests {
    /// A fault point of one platform's reference rotation; items are kept by position (key ids are random
    /// per sandbox) and resolved for each fresh one.
    struct Point: Sendable, CustomStringConvertible {
        var kind: PlatformFixture.Kind
        var template: String
        var description: String { "\(kind.rawValue) \(template)" }
    }

    /// Every platform's points; a failed reference run fails ``everyPlatformHasItsPoints()`` instead of
    /// crashing the test process.
    static let reference: Result<[Point], FixtureError> = Result {
        try PlatformFixture.Kind.allCases.flatMap { kind -> [Point] in
            try points(of: kind)
        }
    }.mapError { $0 as? FixtureError ?? FixtureError(message: "\($0)") }

    static var points: [Point] { (try? reference.get()) ?? [] }

    private static func points(of kind: PlatformFixture.Kind) throws -> [Point] {
        do {
            let fixture = try PlatformFixture(kind)
            defer { fixture.remove() }
            let run = try RekeyProcess.runBlocking(fixture.runArguments, environment: PlatformFixture.environment)
            guard run.status == 0 else { throw FixtureError(message: "reference run of \(kind) failed: \(run)") }
            let contents = try JournalReader.read(path: fixture.journal)
            var templates: [String] = []
            for step in contents.plan.steps where step.id != .confirmRedeploy {
                for index in step.items.indices {
                    templates.append("before-effect:\(step.id)/#\(index)")
                    templates.append("after-effect:\(step.id)/#\(index)")
                }
            }
            for seq in stride(from: 1, to: contents.records.count, by: 3) {
                templates.append("after-record:\(seq)")
            }
            return templates.map { Point(kind: kind, template: $0) }
        } catch {
            throw FixtureError(message: "reference run of \(kind) failed: \(error)")
        }
    }

    /// The concrete fault point: `#i` becomes the i-th item of the step in the fresh sandbox's plan.
    static func resolve(_ template: String, in fixture: PlatformFixture) async throws -> String {
        guard let hash = template.firstIndex(of: "#") else { return template }
        let index = Int(template[template.index(after: hash)...])!
        let step = try #require(
            StepID(
                String(template[template.index(after: template.firstIndex(of: ":")!)..<template.index(before: hash)])))
        let plan = try await RekeyProcess.run(
            ["plan", fixture.playbook, "--json"], environment: PlatformFixture.environment)
        let json = try JSONValue.parse(Array(plan.stdout.utf8))
        let steps = json["plan"]?["steps"]?.arrayValue ?? []
        let items = steps.first { $0["id"]?.stringValue == step.rawValue }?["items"]?.arrayValue ?? []
        let item = try #require(items.count > index ? items[index]["id"]?.stringValue : nil, "\(template)")
        return String(template[..<hash]) + item
    }

    @Test(arguments: points)
    func killAtAFaultPointThenResumeConverges(point: Point) async throws {
        let fixture = try PlatformFixture(point.kind)
        defer { fixture.remove() }
        let fault = try await Self.resolve(point.template, in: fixture)
        let invariants = try PlatformInvariants(fixture: fixture)
        let crashed = try await RekeyProcess.run(
            fixture.runArguments, environment: PlatformFixture.environment.merging(["REKEY_FAULT_POINT": fault]) { $1 })
        #expect(crashed.signaled && crashed.status == SIGKILL, "\(point) was never reached: \(crashed)")

        var last: RekeyProcess.Result?
        for _ in 0..<3 {
            let usable =
                FileManager.default.fileExists(atPath: fixture.journal)
                && !JournalReader.isStillborn(path: fixture.journal)
            last = try await RekeyProcess.run(
                usable ? fixture.resumeArguments : fixture.runArguments, environment: PlatformFixture.environment)
            if last?.status == 0, last?.signaled == false { break }
        }
        #expect(last?.status == 0 && last?.signaled == false, "\(point): never converged: \(String(describing: last))")
        #expect(try invariants.violations(fixture: fixture) == [], "\(point)")
        #expect(try await RekeyProcess.run(["log", fixture.journal, "--verify"]).status == 0, "\(point)")

        var scan = SecretScan()
        scan.add(invariants.before.secrets + (try fixture.snapshot().secrets))
        try scan.search(file: fixture.journal)
        #expect(scan.hits.isEmpty, "\(point): \(scan.hits)")
    }

    @Test func everyPlatformHasItsPoints() throws {
        let points = try Self.reference.get()
        for kind in PlatformFixture.Kind.allCases {
            let count = points.filter { $0.kind == kind }.count
            print("platform crash points: \(kind.rawValue) \(count)")
            #expect(count >= 20, "\(kind)")
        }
    }
}
