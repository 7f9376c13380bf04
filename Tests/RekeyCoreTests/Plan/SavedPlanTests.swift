import Foundation
import Testing

@testable import RekeyCore

@Suite struct SavedPlanTests {
    private let plan = PlanFixtures.inngest()

    @Test func plansAreToldFromPlaybooksByContent() throws {
        #expect(SavedPlan.isPlan(JSONCoding.prettyBytes(plan)))
        #expect(SavedPlan.isPlan(JSONCoding.canonicalBytes(SavedPlan.Document(plan: plan))))
        #expect(!SavedPlan.isPlan(Array(#"{"version": 1, "platform": {"kind": "sandbox"}, "apps": []}"#.utf8)))
        #expect(!SavedPlan.isPlan(Array("not json".utf8)))
        #expect(!SavedPlan.isPlan(Array("[1, 2]".utf8)))
    }

    @Test func bothFormsDecodeToThePlan() throws {
        #expect(try SavedPlan.decode(JSONCoding.prettyBytes(plan), path: "p") == plan)
        #expect(try SavedPlan.decode(JSONCoding.canonicalBytes(SavedPlan.Document(plan: plan)), path: "p") == plan)
    }

    @Test func anEditedPlanIsRefused() throws {
        var edited = plan
        edited.warnings = ["slipped in"]
        #expect(throws: SavedPlanError.hashMismatch(path: "p")) {
            try SavedPlan.decode(JSONCoding.prettyBytes(edited), path: "p")
        }
    }

    @Test func anotherFormatVersionIsRefused() throws {
        var edited = plan
        edited.version = 2
        #expect(throws: SavedPlanError.unsupportedVersion(path: "p", version: 2)) {
            try SavedPlan.decode(JSONCoding.prettyBytes(edited), path: "p")
        }
        #expect(throws: SavedPlanError.self) { try SavedPlan.decode(Array(#"{"rotationID": 1}"#.utf8), path: "p") }
        #expect(throws: SavedPlanError.unreadable(path: "/nonexistent/plan.json", reason: "file does not exist")) {
            try SavedPlan.load(path: "/nonexistent/plan.json")
        }
    }

    @Test(arguments: [
        (0, true),  // the full hash
        (12, true),  // the prefix rekey prints
        (11, false),  // too short to name a plan
    ])
    func aHashNamesAPlanInFullOrByAPrefixOfTwelve(prefix: Int, names: Bool) {
        let given = prefix == 0 ? plan.hash : String(plan.hash.prefix(prefix))
        #expect(SavedPlan.hash(given, names: plan) == names)
        #expect(SavedPlan.hash(given.uppercased(), names: plan) == names)
        #expect(!SavedPlan.hash(String(repeating: "0", count: 64), names: plan))
    }

    @Test func staleAndEditedPlansSayHowToMakeANewOne() {
        let stale = SavedPlanError.stale(
            path: "plan.json", hash: plan.hash, playbook: "/p.json", differences: ["x", "y"])
        #expect(stale.description.contains("is stale: the live state changed since it was made:\n  - x\n  - y\n"))
        #expect(stale.description.contains("rekey plan /p.json --out plan.json"))
        #expect(SavedPlanError.hashMismatch(path: "plan.json").description.contains("was edited after"))
    }

    @Test func plansWithoutCallsOrRegisteredAppsKeepTheirHash() throws {
        // Older plans (and journals) have neither field: their encoding, and so their hash, must not change.
        let text = String(decoding: JSONCoding.canonicalBytes(plan), as: UTF8.self)
        #expect(!text.contains("\"calls\""))
        #expect(!text.contains("\"registeredApps\""))
        #expect(plan.hashIsValid)
    }
}
