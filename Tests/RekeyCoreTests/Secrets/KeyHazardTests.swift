import Foundation
import RekeySandbox
import Testing

@testable import RekeyCore

/// Whatever the target, rekey never writes an empty or malformed key, and `plan` names dangerous lines.
@Suite struct KeyHazardTests {
    private static let validSigningKey = "signkey-prod-" + String(repeating: "3c", count: 32)

    /// (variable, value, what the refusal says)
    static let badValues: [(String, String, String)] = [
        (InngestVariables.signingKeyFallback, "", "refusing to write an empty value for INNGEST_SIGNING_KEY_FALLBACK"),
        (InngestVariables.signingKey, "", "refusing to write an empty value for INNGEST_SIGNING_KEY"),
        (InngestVariables.eventKey, "", "refusing to write an empty value for INNGEST_EVENT_KEY"),
        (InngestVariables.signingKey, "signkey-prod-not-hex", "is not of the form signkey-<env>-<64 lowercase hex>"),
        (
            InngestVariables.signingKeyFallback, validSigningKey + "\n",
            "is not of the form signkey-<env>-<64 lowercase hex>"
        ),
        (InngestVariables.eventKey, "ek with space", "contains whitespace or control characters"),
        (InngestVariables.eventKey, "ek-value\r\n", "contains whitespace or control characters"),
    ]

    @Test(arguments: RotationHarness.Kind.allCases, badValues)
    func refusesToWriteAnEmptyOrMalformedKeyToAnyTarget(
        kind: RotationHarness.Kind,
        bad: (variable: String, value: String, refusal: String)
    ) async throws {
        let harness = try RotationHarness(kinds: ["api": kind])
        defer { harness.remove() }
        let session = harness.session()
        let playbook = try PlaybookLoader.load(path: harness.playbookPath)
        let backends = try HarnessProvider(wrap: nil).backends(for: playbook, environment: session.environment)
        let plan = try await RotationPlanner(
            playbook: playbook, platform: backends.platform, targets: backends.targets, toolVersion: "test"
        ).makePlan()
        let recorder = EventRecorder()
        let context = StepContext(
            plan: plan, playbook: playbook, platform: backends.platform, targets: backends.targets,
            verifiers: backends.verifiers,
            secrets: SecretResolver(platform: backends.platform) { _, operation in try await operation() },
            outcomes: [:], clock: .system, observer: recorder, retry: RetryPolicy(),
            item: ItemRef(step: .stageSigningKeys, item: "api"))
        let envBefore = try harness.envText("api")
        let changes: [VariableChange] = [
            .set(name: InngestVariables.signingKey, value: Secret(Self.validSigningKey)),
            .set(name: bad.variable, value: Secret(bad.value)),
        ]
        do {
            try await applyTarget("api", changes, context)
            Issue.record("the value was written")
        } catch let error as StepError {
            guard case .hazard(let message) = error else {
                Issue.record("expected a hazard, got \(error)")
                return
            }
            #expect(message.contains(bad.refusal))
        }
        // Nothing was written, run or asked for, not even the valid first change.
        #expect(try harness.envText("api") == envBefore)
        #expect(!FileIO.exists(harness.directory.file("sandbox/received.log")))
        #expect(recorder.guidedLines.isEmpty)
    }

    @Test func planWarnsAboutDangerousLinesAlreadyThere() async throws {
        let harness = try RotationHarness(kinds: ["billing": .exec])
        defer { harness.remove() }
        try harness.setByHand("api", InngestVariables.signingKeyFallback, Secret(""))
        try harness.setByHand("api", InngestVariables.dev, Secret("no"))
        try harness.setByHand("worker", InngestVariables.signingKey, Secret("signkey-prod-XYZ"))
        try harness.setByHand("worker", InngestVariables.eventKey, Secret("ek-value with-space"))
        let (_, plan) = try await harness.session().plan(playbookPath: harness.playbookPath)
        let warnings = plan.warnings
        #expect(
            warnings.contains {
                $0.hasPrefix("app 'api': INNGEST_SIGNING_KEY_FALLBACK is set but EMPTY: anyone can sign")
            })
        #expect(warnings.contains { $0.hasPrefix("app 'api': INNGEST_DEV is set to a value that turns dev mode on") })
        #expect(
            warnings.contains {
                $0.hasPrefix("app 'worker': INNGEST_SIGNING_KEY is not of the form signkey-<env>-<64 lowercase hex>")
            })
        #expect(warnings.contains { $0.hasPrefix("app 'worker': INNGEST_EVENT_KEY contains whitespace") })
        #expect(warnings.contains { $0.hasPrefix("app 'billing': its exec target can't be read") })
        #expect(!warnings.joined().contains("XYZ"), "a warning shows a value")
    }

    @Test func aFalseDevFlagIsNotAWarning() async throws {
        let harness = try RotationHarness()
        defer { harness.remove() }
        try harness.setByHand("api", InngestVariables.dev, Secret("false"))
        let (_, plan) = try await harness.session().plan(playbookPath: harness.playbookPath)
        #expect(!plan.warnings.contains { $0.contains("INNGEST_DEV") })
    }
}
