import Foundation
import Testing

@testable import RekeyCore

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// The playbook reader bounds what it accepts: the file has a size cap.
@Suite struct PlaybookBoundsTests {
    @Test func aPlaybookOverItsSizeCapIsRefusedUnread() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let path = try fixture.writePlaybook(PlaybookFixture.validDocument)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(repeating: 0x20, count: PlaybookLoader.maximumSize))
        try handle.close()
        #expect {
            try PlaybookLoader.load(path: path)
        } throws: { error in
            "\(error)".contains("larger than 4 MiB")
        }
    }
}
