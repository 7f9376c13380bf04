import RekeyCrypto

/// Reads a playbook file (format version 1) into a validated ``Playbook``.
///
/// The loader only reads: it never creates or modifies a file. It reports every problem it finds at
/// once, each with its JSON path and a fix, so the operator can correct the whole file in one go.
/// Relative paths inside the playbook (the sandbox state, dotenv targets) are resolved against the
/// playbook file's directory, and the files they name must exist.
public enum PlaybookLoader {
    /// The largest playbook file read (4 MiB): a playbook of 20,000 apps is under 4 MiB; anything larger is
    /// the wrong file (`rekey plan /dev/zero` once read until memory ran out).
    public static let maximumSize = 4 << 20

    /// Reads and validates the playbook at `path`.
    ///
    /// - Parameter path: The playbook file, as the user gave it (relative to the current directory or
    ///   absolute). Errors show it as given; ``Playbook/path`` is absolute.
    /// - Returns: The validated playbook.
    /// - Throws: ``PlaybookError/unreadable(path:_:)`` when the file can't be read,
    ///   ``PlaybookError/syntax(path:_:)`` when it is not JSON, ``PlaybookError/invalid(path:_:)`` with
    ///   every problem found otherwise.
    public static func load(path: String) throws(PlaybookError) -> Playbook {
        let bytes: [UInt8]
        do {
            // Links are followed (a playbook mounted from a Kubernetes ConfigMap is one); devices, FIFOs
            // and directories are refused before anything is read.
            bytes = try FileIO.read(path, limit: maximumSize)
        } catch {
            throw .unreadable(path: path, error)
        }
        return try load(bytes: bytes, path: path)
    }

    /// Validates playbook `bytes` as if read from `path` (relative paths inside resolve against the
    /// directory of `path`; the files they name are checked on disk).
    ///
    /// - Parameters:
    ///   - bytes: The playbook's content.
    ///   - path: Where it came from, as the user gave it.
    /// - Returns: The validated playbook; its `contentHash` is the SHA-256 of `bytes`.
    /// - Throws: ``PlaybookError/syntax(path:_:)`` or ``PlaybookError/invalid(path:_:)``.
    public static func load(bytes: [UInt8], path: String) throws(PlaybookError) -> Playbook {
        let document: JSONValue
        do {
            document = try JSONValue.parse(bytes)
        } catch {
            throw .syntax(path: path, error)
        }
        // The directory with symlinks and `..` resolved, so that paths in plans and journals are canonical.
        let absolute = PlaybookReader.normalized(FileIO.absolute(path))
        let directory =
            PlaybookReader.realPath(FileIO.parentDirectory(of: absolute)) ?? FileIO.parentDirectory(of: absolute)
        let absolutePath = FileIO.resolve(FileIO.baseName(of: absolute), relativeTo: directory)
        var reader = PlaybookReader(baseDirectory: directory)
        let playbook = reader.read(document, path: absolutePath, contentHash: SHA256.hex(bytes))
        guard let playbook, reader.problems.isEmpty else {
            throw .invalid(path: path, reader.problems)
        }
        return playbook
    }
}
