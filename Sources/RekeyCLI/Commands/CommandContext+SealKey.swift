import RekeyCore

extension CommandContext {
    /// The seal key of a command that takes `--seal-key-file`: that file, else `REKEY_SEAL_KEY`, else `nil`.
    /// Other commands never read either, so a malformed key can't break `status` or `log`.
    ///
    /// - Throws: ``SealError`` for an unreadable, too open or malformed key.
    func sealKey() throws -> SealKey? {
        guard arguments.spec.options.contains(where: { $0.name == "seal-key-file" }) else { return nil }
        return try SealKey.resolve(
            file: arguments.string("seal-key-file").map(FileIO.absolute),
            environment: environment
        )
    }
}
