import RekeyCLI

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

let code = await RekeyCLI.main(Array(CommandLine.arguments.dropFirst()))
exit(code.rawValue)
