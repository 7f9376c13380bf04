import Foundation

/// Every entry under a directory, hidden ones included: relative path → type, permission bits and bytes. Two
/// snapshots are equal when nothing was created, removed, written or re-moded in between.
struct DirectorySnapshot: Equatable, CustomStringConvertible {
    struct Entry: Equatable {
        var isDirectory: Bool
        var mode: Int
        var bytes: Data
    }

    var entries: [String: Entry]

    init(_ root: String) throws {
        var entries: [String: Entry] = [:]
        let manager = FileManager.default
        if let enumerator = manager.enumerator(atPath: root) {
            while let relative = enumerator.nextObject() as? String {
                let path = root + "/" + relative
                let attributes = try manager.attributesOfItem(atPath: path)
                let isDirectory = (attributes[.type] as? FileAttributeType) == .typeDirectory
                entries[relative] = Entry(
                    isDirectory: isDirectory,
                    mode: (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1,
                    bytes: isDirectory ? Data() : try Data(contentsOf: URL(fileURLWithPath: path))
                )
            }
        }
        self.entries = entries
    }

    /// What differs from `other`, one line per path.
    func differences(from other: DirectorySnapshot) -> [String] {
        var lines: [String] = []
        for path in Set(entries.keys).union(other.keys).sorted() {
            switch (other.entries[path], entries[path]) {
            case (nil, _?): lines.append("\(path): created")
            case (_?, nil): lines.append("\(path): removed")
            case (let old?, let new?) where old != new:
                lines.append(
                    "\(path): "
                        + (old.mode != new.mode
                            ? "mode \(String(old.mode, radix: 8)) → \(String(new.mode, radix: 8))" : "changed")
                )
            default: break
            }
        }
        return lines
    }

    private var keys: Set<String> { Set(entries.keys) }

    var description: String { "\(entries.count) entries" }
}
