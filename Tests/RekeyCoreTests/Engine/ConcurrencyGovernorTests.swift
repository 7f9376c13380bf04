import Testing

@testable import RekeyCore

@Suite struct ConcurrencyGovernorTests {
    @Test func startsAtTheMaximum() {
        #expect(ConcurrencyGovernor(maximum: 8).limit == 8)
        #expect(ConcurrencyGovernor(maximum: 0).limit == 1)
    }

    @Test func throttlingHalvesDownToOne() {
        let governor = ConcurrencyGovernor(maximum: 16)
        let limits = (0..<6).map { _ in
            governor.throttled()
            return governor.limit
        }
        #expect(limits == [8, 4, 2, 1, 1, 1])
        #expect(governor.throttles == 6)
    }

    @Test func successesRaiseTheLimitAdditivelyUpToTheMaximum() {
        let governor = ConcurrencyGovernor(maximum: 4)
        governor.throttled()
        governor.throttled()
        #expect(governor.limit == 1)
        governor.succeeded()  // 1 success at limit 1 → 2
        #expect(governor.limit == 2)
        governor.succeeded()
        #expect(governor.limit == 2)
        governor.succeeded()  // 2 successes at limit 2 → 3
        #expect(governor.limit == 3)
        for _ in 0..<20 { governor.succeeded() }
        #expect(governor.limit == 4)
    }

    @Test func aThrottleResetsTheSuccessCount() {
        let governor = ConcurrencyGovernor(maximum: 8)
        governor.throttled()  // 4
        for _ in 0..<3 { governor.succeeded() }
        governor.throttled()  // 2
        governor.succeeded()
        #expect(governor.limit == 2)
        governor.succeeded()
        #expect(governor.limit == 3)
    }
}
