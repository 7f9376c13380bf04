#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An app's configuration in a dotenv file, edited in place.
///
/// Edits go through ``DotenvDocument``, so everything but the changed assignments stays byte for byte
/// (comments, order, quoting, `export ` prefixes, line endings). A new `INNGEST_SIGNING_KEY_FALLBACK` goes
/// right after `INNGEST_SIGNING_KEY`; any other new variable goes at the end. The file is replaced in one
/// rename through ``FileIO/writeAtomically(_:to:newFileMode:)`` (mode and owner kept); a symbolic link is
/// followed and the file it points to is replaced, so the link survives. When the changes leave the text
/// as it is, nothing is written.
public struct DotenvTarget: SecretTarget {
    /// Where a new variable goes: right after the variable it pairs with; a name not listed goes at the end.
    static let insertionAnchors: [String: String] = [
        "INNGEST_SIGNING_KEY_FALLBACK": "INNGEST_SIGNING_KEY"
    ]

    /// The largest dotenv file read (4 MiB): a configuration file, not a data set.
    public static let maximumSize = 4 << 20

    /// The dotenv file's absolute path.
    public let path: String

    /// Creates a target for the dotenv file at `path` (absolute).
    public init(path: String) {
        self.path = path
    }

    /// `dotenv <path>`.
    public var summary: String { "dotenv \(path)" }

    /// Reads `names` as python-dotenv loads them: ``VariableState/absent``, ``VariableState/empty`` for
    /// `NAME=` or `NAME=""`, else ``VariableState/present(_:)``.
    ///
    /// - Throws: ``DotenvTargetError`` when the file is missing, unreadable or not UTF-8.
    public func read(_ names: [String]) async throws -> [String: VariableState] {
        let document = try load(try resolvedPath()).document
        var states: [String: VariableState] = [:]
        for name in names {
            switch document.value(of: name) {
            case nil: states[name] = .absent
            case let value? where value.isEmpty: states[name] = .empty
            case let value?: states[name] = .present(Secret(value))
            }
        }
        return states
    }

    /// Applies `changes` in order to the file's text and replaces the file once.
    ///
    /// - Throws: ``DotenvTargetError``: an empty value is refused before the file is read; a missing,
    ///   unreadable or non-UTF-8 file, an edit a fresh parse would load differently, or a failed write
    ///   leave the file untouched.
    public func apply(_ changes: [VariableChange]) async throws {
        for case .set(let name, let value) in changes where value.isEmpty {
            throw DotenvTargetError.emptyValueRefused(name: name, path: path)
        }
        let file = try resolvedPath()
        let (bytes, original) = try load(file)
        var document = original
        for change in changes {
            switch change {
            case .set(let name, let value):
                document.set(name, to: value.exposeValue(), after: Self.insertionAnchors[name])
            case .remove(let name):
                document.remove(name)
            }
        }
        let newBytes = Array(document.text.utf8)
        guard newBytes != bytes else { return }
        if let name = document.namesLoadedDifferently().first {
            throw DotenvTargetError.editWouldNotLoadBack(name: name, path: path)
        }
        do {
            try FileIO.writeAtomically(newBytes, to: file)
        } catch {
            throw DotenvTargetError.writeFailed(path: path, cause: error)
        }
    }

    // MARK: - Private

    private func load(_ file: String) throws(DotenvTargetError) -> (bytes: [UInt8], document: DotenvDocument) {
        let bytes: [UInt8]
        do {
            // `file` is resolved already: a link appearing there now is refused, not followed.
            bytes = try FileIO.read(file, limit: Self.maximumSize, followingLinks: false)
        } catch {
            if error.isNotFound { throw .fileMissing(path: path) }
            if error.problem != nil { throw .notAFile(path: path, cause: error) }
            throw .unreadable(path: path, cause: error)
        }
        // A lossy decode would rewrite the undecodable bytes: refuse instead.
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .notUTF8(path: path) }
        return (bytes, DotenvDocument(parsing: text))
    }

    /// The file behind `path`, following symbolic links so that replacing it keeps the link.
    private func resolvedPath() throws(DotenvTargetError) -> String {
        guard let resolved = realpath(path, nil) else {
            let failure = FileIOError("resolve", path: path)
            if failure.isNotFound { throw .fileMissing(path: path) }
            throw .unreadable(path: path, cause: failure)
        }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// Errors from ``DotenvTarget``. Descriptions name the file and never show a value.
public enum DotenvTargetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file does not exist.
    case fileMissing(path: String)
    /// The file exists but can't be read.
    case unreadable(path: String, cause: FileIOError)
    /// The path is not a regular file rekey may edit (a directory, a device, a FIFO), or is over the size cap.
    case notAFile(path: String, cause: FileIOError)
    /// The file is not valid UTF-8, so it can't be edited without changing other bytes.
    case notUTF8(path: String)
    /// Writing the new file failed; the old one is untouched.
    case writeFailed(path: String, cause: FileIOError)
    /// A change would have set `name` to the empty string (which the Python SDK treats as a key).
    case emptyValueRefused(name: String, path: String)
    /// After the edit a fresh parse would load `name` differently (an unclosed quote elsewhere in the
    /// file would swallow the new value); nothing was written.
    case editWouldNotLoadBack(name: String, path: String)

    public var description: String {
        switch self {
        case .fileMissing(let path):
            "dotenv '\(path)': file does not exist"
        case .unreadable(let path, let cause):
            "dotenv '\(path)': cannot read the file (\(cause)); check its permissions"
        case .notAFile(let path, let cause):
            "dotenv '\(path)': \(cause.reason); point the app's target at its dotenv file"
        case .notUTF8(let path):
            "dotenv '\(path)': file is not valid UTF-8; convert it to UTF-8 so that rekey can edit it"
        case .writeFailed(let path, let cause):
            "dotenv '\(path)': cannot replace the file (\(cause)); check the directory's permissions and free space"
        case .emptyValueRefused(let name, let path):
            "refusing to write an empty value for \(name) in '\(path)': remove the variable instead"
        case .editWouldNotLoadBack(let name, let path):
            "dotenv '\(path)': after the edit, \(name) would not load as written (an unclosed quote elsewhere "
                + "in the file?); fix the file's quoting by hand, then retry"
        }
    }
}
