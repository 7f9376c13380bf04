import Testing

@testable import RekeyCore

@Suite struct PlatformCallTests {
    @Test(arguments: [
        (PlatformCall.listKeys(.signing), "listKeys(signing)"),
        (.createKey(.signing, name: nil, filter: nil), "createKey(signing)"),
        (
            .createKey(.event, name: "Orders", filter: KeyFilter(mode: .allow, events: ["o/*"])),
            "createKey(event, name: 'Orders', filter: allow events [o/*])"
        ),
        (.promoteSigningKey(id: "sk_1"), "promoteSigningKey(sk_1)"),
        (.deleteKey(.event, id: "ek_1"), "deleteKey(event, ek_1)"),
        (.listApps, "listApps()"),
        (.resyncApp(id: "api"), "resyncApp(api)"),
    ])
    func callsDescribeTheOperation(call: PlatformCall, text: String) {
        #expect(call.description == text)
    }
}
