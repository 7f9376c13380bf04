import Foundation

/// Runs blocking work (waiting for a child process) on a thread of its own, so that it does not hold one
/// of the few threads Swift concurrency runs every test on: with two cores, two blocked tests would stall
/// all the others, and their timeouts would fire for no reason.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do {
                continuation.resume(returning: try body())
            } catch {
                continuation.resume(throwing: error)
            }
        }
        thread.start()
    }
}
