import RekeyCore

/// The command line of `rekey-bench`.
struct BenchOptions {
    /// A rotation size: apps × event keys.
    struct Scale: Equatable, CustomStringConvertible {
        var apps: Int
        var eventKeys: Int

        var description: String { "\(apps)×\(eventKeys)" }

        /// Parses `50x200` (or `50×200`).
        init?(parsing text: String) {
            let parts = text.replacingOccurrences(of: "×", with: "x").split(separator: "x")
            guard parts.count == 2, let apps = Int(parts[0]), let keys = Int(parts[1]), apps >= 1, keys >= 0 else {
                return nil
            }
            self.init(apps: apps, eventKeys: keys)
        }

        init(apps: Int, eventKeys: Int) {
            self.apps = apps
            self.eventKeys = eventKeys
        }
    }

    static let defaultScales = [
        Scale(apps: 5, eventKeys: 10), Scale(apps: 50, eventKeys: 200), Scale(apps: 200, eventKeys: 1000),
    ]
    static let quickScales = [Scale(apps: 5, eventKeys: 10), Scale(apps: 20, eventKeys: 40)]

    var scales = defaultScales
    /// Seconds the sandbox adds to every request.
    var latency = 0.020
    /// The playbook's `concurrency` (items in flight).
    var concurrency = 16
    /// Runs per measurement (the median is reported).
    var runs = 3
    /// Measure concurrency 1 at every scale, even where it takes minutes.
    var full = false
    var quick = false
    var json = false
    /// Keep the scratch directory (sandboxes' logs, the large journal) and print its path.
    var keep = false
    /// Records in the large journal.
    var journalRecords = 100_000

    static let usage = """
        Usage: rekey-bench [--quick] [--scales 5x10,50x200,200x1000] [--latency 20ms] [--concurrency 16]
                           [--runs 3] [--full] [--keep] [--json]

        Measures rekey against `rekey sandbox serve` with injected latency, the journal, memory and
        start-up, and prints every comparison as a ratio measured in the same run.

          --quick         small scales, one run each, a 10,000-record journal: a smoke run (under a minute)
          --scales LIST   rotation sizes as APPSxEVENTKEYS (default 5x10,50x200,200x1000)
          --latency DUR   latency the sandbox adds to every request (default 20ms)
          --concurrency N the playbook's concurrency (default 16)
          --runs N        runs per rotation measurement, median reported (default 3; 1 for the largest scale)
          --full          also run concurrency 1 at scales where it takes minutes (else it is estimated)
          --keep          keep the scratch directory (server logs, the large journal) and print its path
          --json          machine-readable results on stdout
        """

    /// Parses the arguments (without the program name).
    ///
    /// - Throws: ``BenchError`` naming the bad argument.
    init(_ arguments: [String]) throws {
        var remaining = arguments[...]
        var scalesGiven = false
        func value(_ name: String) throws -> String {
            guard let value = remaining.popFirst() else { throw BenchError("\(name) needs a value\n\n\(Self.usage)") }
            return value
        }
        while let argument = remaining.popFirst() {
            switch argument {
            case "--quick": quick = true
            case "--full": full = true
            case "--json": json = true
            case "--keep": keep = true
            case "--scales":
                let text = try value(argument)
                let parsed = text.split(separator: ",").map { Scale(parsing: String($0)) }
                guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else {
                    throw BenchError("--scales '\(text)': use APPSxEVENTKEYS[,…], e.g. 5x10,50x200")
                }
                scales = parsed.compactMap(\.self)
                scalesGiven = true
            case "--latency":
                let text = try value(argument)
                guard let seconds = try? DurationParser.parse(text), seconds >= 0 else {
                    throw BenchError("--latency '\(text)': use a duration such as 20ms or 0.05s")
                }
                latency = seconds
            case "--concurrency":
                let text = try value(argument)
                guard let number = Int(text), (1...64).contains(number) else {
                    throw BenchError("--concurrency '\(text)': use a number from 1 to 64")
                }
                concurrency = number
            case "--runs":
                let text = try value(argument)
                guard let number = Int(text), (1...20).contains(number) else {
                    throw BenchError("--runs '\(text)': use a number from 1 to 20")
                }
                runs = number
            case "-h", "--help":
                throw BenchError(Self.usage)
            default:
                throw BenchError("unknown argument '\(argument)'\n\n\(Self.usage)")
            }
        }
        if quick {
            if !scalesGiven { scales = Self.quickScales }
            runs = 1
            journalRecords = 10_000
        }
    }

    /// The largest scale (most apps × keys), whose memory is reported.
    var largest: Scale? {
        scales.max { $0.apps + $0.eventKeys < $1.apps + $1.eventKeys }
    }
}
