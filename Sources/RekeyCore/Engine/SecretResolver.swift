/// Finds key material by key id or fingerprint, and lists the platform's keys for the steps, sharing
/// listings between the concurrent items of a fan-out.
///
/// Secrets live only in memory here; the journal holds ids and fingerprints. Platforms that can
/// re-read keys (Inngest) are asked again after a crash.
///
/// A listing returns every key of a kind, so one request can serve every item that needs one: callers
/// that arrive together share a request (``Freshness/startedNow``: each still gets a listing that began
/// after it asked, so it sees every write it made before), and observing an item that never started
/// (``Freshness/takenThisRun``) reuses any listing of this run. Without this, a fan-out over n keys makes
/// O(n) listings of n keys each.
public actor SecretResolver {
    /// How recent a listing must be.
    public enum Freshness: Sendable, Equatable {
        /// The listing taken last, unless a write (``invalidate(_:)``) made it stale since; else a new one.
        case cached
        /// Any listing this resolver took, even one that writes made stale since; else a new one.
        ///
        /// The resolver is created after the journal was replayed, so such a listing is enough to observe
        /// an item with no intent in the journal: no run started its side effect, so only a missed change
        /// could result (and the item then acts, which reconciles), never a change wrongly seen as done.
        case takenThisRun
        /// A listing that starts after this call (it sees every write the caller made before), shared
        /// with the callers that ask while it gathers.
        case startedNow
    }

    /// A listing request, gathering callers until it is sent.
    private struct Flight {
        var id: Int
        var task: Task<[PlatformKey], any Error>
    }

    private let platform: any Platform
    private let call: @Sendable (String, @Sendable () async throws -> [PlatformKey]) async throws -> [PlatformKey]
    private let gather: Duration
    private let maxGather: Duration
    private let maxFlights: Int
    /// Time, for the gathering waits.
    private let clock: EngineClock
    /// The newest listing, while no write invalidated it.
    private var cache: [KeyKind: [PlatformKey]] = [:]
    /// The newest listing, even if stale.
    private var taken: [KeyKind: (id: Int, keys: [PlatformKey])] = [:]
    /// Bumped by every write, so that a listing sent before it never refills the cache.
    private var writes: [KeyKind: Int] = [:]
    /// Listings not sent yet: any caller may join.
    private var gathering: [KeyKind: Flight] = [:]
    /// Listings sent: callers content with any listing of this run may join.
    private var sent: [KeyKind: [Int: Task<[PlatformKey], any Error>]] = [:]
    private var nextID = 0

    /// - Parameters:
    ///   - platform: Where keys are listed.
    ///   - gather: How long a new listing waits for more callers before it is sent; again while writes
    ///     of its kind keep landing, up to `maxGather` in all.
    ///   - maxGather: The longest a listing waits for callers.
    ///   - maxFlights: Listings of one kind in flight at once; a listing asked for beyond that gathers its
    ///     callers until the oldest returns (each listing of thousands of keys costs both sides CPU).
    ///   - clock: Time, for the gathering waits (injected by the executor; tests pass a virtual one).
    ///   - call: Wraps platform calls (retries); `(description, operation)`.
    public init(
        platform: any Platform,
        gather: Duration = .milliseconds(1),
        maxGather: Duration = .milliseconds(8),
        maxFlights: Int = 4,
        clock: EngineClock = .system,
        call: @escaping @Sendable (String, @Sendable () async throws -> [PlatformKey]) async throws -> [PlatformKey]
    ) {
        self.clock = clock
        self.platform = platform
        self.gather = gather
        self.maxGather = max(gather, maxGather)
        self.maxFlights = max(1, maxFlights)
        self.call = call
    }

    /// The keys of `kind`: listed now (`refresh`), or from the cache when no write made it stale.
    public func keys(_ kind: KeyKind, refresh: Bool = false) async throws -> [PlatformKey] {
        try await keys(kind, freshness: refresh ? .startedNow : .cached)
    }

    /// The keys of `kind`, from a listing at least as recent as `freshness` requires.
    public func keys(_ kind: KeyKind, freshness: Freshness) async throws -> [PlatformKey] {
        switch freshness {
        case .cached:
            if let cached = cache[kind] { return cached }
        case .takenThisRun:
            if let listed = cache[kind] ?? taken[kind]?.keys { return listed }
            if let flying = sent[kind]?.values.first { return try await flying.value }
        case .startedNow:
            break
        }
        if let flight = gathering[kind] { return try await flight.task.value }
        let id = nextID
        nextID += 1
        // At most `maxFlights` listings in flight: the next one gathers callers until the oldest returns.
        let inFlight = sent[kind] ?? [:]
        let previous = inFlight.count >= maxFlights ? inFlight.min { $0.key < $1.key }?.value : nil
        let task = Task { try await self.fly(kind, id: id, after: previous) }
        gathering[kind] = Flight(id: id, task: task)
        return try await task.value
    }

    /// Forgets cached listings (after a write).
    public func invalidate(_ kind: KeyKind) {
        cache[kind] = nil
        writes[kind, default: 0] += 1
    }

    /// The secret of key `id`, listing again once if the cache doesn't know it.
    public func secret(_ kind: KeyKind, id: String) async throws -> Secret? {
        if let key = try await keys(kind).first(where: { $0.id == id }), let secret = key.secret { return secret }
        return try await keys(kind, refresh: true).first { $0.id == id }?.secret
    }

    /// The secret of the key of `kind` with fingerprint `fingerprint`.
    public func secret(_ kind: KeyKind, fingerprint: Fingerprint) async throws -> Secret? {
        if let key = try await keys(kind).first(where: { $0.fingerprint == fingerprint }) { return key.secret }
        return try await keys(kind, refresh: true).first { $0.fingerprint == fingerprint }?.secret
    }

    /// Remembers a secret the platform returned at creation (it may not list it again).
    public func remember(_ key: PlatformKey) {
        guard var keys = cache[key.kind] else { return }
        keys.removeAll { $0.id == key.id }
        keys.append(key)
        cache[key.kind] = keys
    }

    // MARK: - Listing

    private func fly(_ kind: KeyKind, id: Int, after previous: Task<[PlatformKey], any Error>?) async throws
        -> [PlatformKey]
    {
        if let previous {
            _ = try? await previous.value
        } else {
            // Gather while writes of this kind keep landing (a wave of creations or deletions answering a
            // few milliseconds apart): one listing then serves the whole wave instead of one per straggler,
            // each of which would queue behind the others. At most `maxGather`.
            var waited = Duration.zero
            repeat {
                let writesBefore = writes[kind, default: 0]
                try? await clock.sleep(Double(gather.components.attoseconds) / 1e18 + Double(gather.components.seconds))
                waited += gather
                if writes[kind, default: 0] == writesBefore { break }
            } while waited < maxGather
        }
        // Sent from here on: a caller asking now needs a later listing.
        let task = gathering[kind]?.task
        if gathering[kind]?.id == id { gathering[kind] = nil }
        if let task { sent[kind, default: [:]][id] = task }
        let writesBefore = writes[kind, default: 0]
        defer { sent[kind]?[id] = nil }
        let platform = self.platform
        let listed = try await call("list \(kind.rawValue) keys") { try await platform.listKeys(kind) }
        if (taken[kind]?.id ?? -1) < id {
            taken[kind] = (id, listed)
            if writes[kind, default: 0] == writesBefore { cache[kind] = listed }
        }
        return listed
    }
}
