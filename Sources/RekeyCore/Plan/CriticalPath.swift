/// The critical-path lower bound of a rotation: the longest chain of dependent platform requests a
/// run of the plan must make, given its concurrency limit. Times the platform's latency, no run can be
/// faster; `rekey-bench` divides measured wall times by it.
///
/// The chain, in round trips:
/// - **Planning**: 2, the environment's id, then the listings of keys and apps (independent of each
///   other, so one round trip for all of them).
/// - **Steps** run one after another (each starts when the previous one is done), so their chains add
///   up. A step's items are independent: with at most `concurrency` items in flight, `n` items take at
///   least `ceil(n / concurrency)` waves, each as long as one item's own chain (``Cost/perItem``). A
///   step that observes the platform's keys first needs one listing before its first write, shared by
///   all its items (``Cost/before``).
/// - An item's own chain is what rekey's protocol requires: a key mutation (create, delete, promote) is
///   one request and its read-back (the verification) another, so 2; an app's introspection or resync
///   is 1; a change to a local target (dotenv) is 0 (no platform request).
///
/// Everything else counts as free: fsyncs, CPU, process start-up, and reads that can be shared (a
/// listing serves every item that needs one).
public struct CriticalPath: Sendable, Equatable {
    /// What one step costs, in round trips.
    public struct Cost: Sendable, Equatable {
        /// Round trips before the step's first item can act (a listing to observe).
        public var before: Int
        /// Round trips of one item, in sequence.
        public var perItem: Int

        public init(before: Int = 0, perItem: Int) {
            self.before = before
            self.perItem = perItem
        }
    }

    /// One step of the chain.
    public struct Step: Sendable, Equatable {
        public var id: StepID
        public var items: Int
        /// `ceil(items / concurrency)`.
        public var waves: Int
        /// `before + waves × perItem`.
        public var roundTrips: Int
    }

    /// Round trips before the first step (planning).
    public static let planningRoundTrips = 2

    /// The concurrency limit the bound was computed for.
    public var concurrency: Int
    /// The steps, in plan order.
    public var steps: [Step]

    /// The bound for `plan` run with at most `concurrency` items in flight.
    ///
    /// - Parameter costs: The cost of each step id; a step without one costs ``cost(of:)``.
    public init(plan: RotationPlan, concurrency: Int, costs: [StepID: Cost] = [:]) {
        self.init(steps: plan.steps.map { ($0.id, $0.items.count) }, concurrency: concurrency, costs: costs)
    }

    /// The bound for steps of `items` items each, in order.
    public init(steps: [(id: StepID, items: Int)], concurrency: Int, costs: [StepID: Cost] = [:]) {
        let limit = max(1, concurrency)
        self.concurrency = limit
        self.steps = steps.map { step in
            let cost = costs[step.id] ?? Self.cost(of: step.id)
            let waves = (step.items + limit - 1) / limit
            return Step(
                id: step.id,
                items: step.items,
                waves: waves,
                roundTrips: step.items == 0 ? 0 : cost.before + waves * cost.perItem
            )
        }
    }

    /// The whole chain: planning plus every step.
    public var roundTrips: Int {
        Self.planningRoundTrips + steps.reduce(0) { $0 + $1.roundTrips }
    }

    /// The bound in seconds for a platform answering every request after `latency` seconds.
    public func seconds(latency: Double) -> Double {
        Double(roundTrips) * latency
    }

    /// The cost of `step`, as its type declares (``StepBehavior/cost``).
    public static func cost(of step: StepID) -> Cost {
        StepCatalog.behavior(for: step).cost
    }
}
