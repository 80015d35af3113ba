import Foundation
import S3

/// The state of one path while any handle has it open: its attributes, and its local copy
/// (a staging file in the cache directory) once it is written to. Shared by every handle on
/// the path; guarded by `lock`, except `path` and `openCount`, which change under the
/// filesystem's table lock. Lock order: a file's lock, then the table lock; never the reverse.
final class OpenFile: @unchecked Sendable {
    let lock = NSLock()
    var path: String
    var module: MountedModule
    var relativePath: String
    var attributes: FileAttributes
    /// The local copy; holds the whole file when `loaded` is true.
    var stagingPath: String?
    var stagingDescriptor: Int32 = -1
    var loaded = false
    /// Local changes not in S3 yet (data or attributes).
    var dirty = false
    /// The object exists in S3 (as `remoteETag`).
    var existsRemotely: Bool
    var remoteETag: String?
    var openCount = 0
    var unlinked = false
    /// The local copy is a journal data file (read-only for us: writes first copy it).
    var stagingIsJournal = false
    /// The newest version handed to the upload journal, if any.
    var latestJournalID: UInt64?

    /// A partial local copy of a large existing object: the staging file holds only the bytes
    /// read or written so far, over the version `baseETag`; the rest is still in S3.
    var partial: PartialCopy?

    /// A version of this file exists for other programs: in S3, or journaled for upload.
    var committed: Bool { existsRemotely || latestJournalID != nil }

    var key: String { module.key(relativePath) }

    init(path: String, module: MountedModule, relativePath: String, attributes: FileAttributes, existsRemotely: Bool) {
        self.path = path
        self.module = module
        self.relativePath = relativePath
        self.attributes = attributes
        self.existsRemotely = existsRemotely
        self.remoteETag = attributes.etag
    }

    func closeStaging() {
        if stagingDescriptor >= 0 { close(stagingDescriptor) }
        stagingDescriptor = -1
        if let stagingPath, !stagingIsJournal { unlink(stagingPath) }
        stagingIsJournal = false
        stagingPath = nil
        loaded = false
    }
}

/// Which bytes of a partial local copy are valid, and which were written.
struct PartialCopy: Sendable, Equatable {
    var baseETag: String
    var baseSize: UInt64
    /// Bytes of the staging file that are valid (read from the base, or written).
    var present = ByteRanges()
    /// Bytes written since the base (they must be uploaded; the rest can be copied on the server).
    var written = ByteRanges()
}

/// One open file descriptor's view: its flags and its read-ahead state.
final class Handle: @unchecked Sendable {
    let id: UInt64
    let file: OpenFile
    let writable: Bool
    let lock = NSLock()
    /// The object version this handle reads: learned from its first read, then every block
    /// is fetched with If-Match, so that versions never mix.
    var pinnedETag: String?
    /// Where the previous read ended, to detect sequential reading.
    var lastReadEnd: UInt64 = 0
    /// Blocks fetched ahead of a sequential reader; doubles up to `ReadAhead.maxBlocks`.
    var windowBlocks: UInt64 = ReadAhead.initialBlocks
    /// Blocks before this index have been asked for ahead of the reader.
    var prefetchedUpTo: UInt64 = 0

    init(id: UInt64, file: OpenFile, writable: Bool) {
        self.id = id
        self.file = file
        self.writable = writable
    }
}

/// Read-ahead sizes, in cache blocks (1 MiB), for sequential reads of objects not local.
enum ReadAhead {
    static let initialBlocks: UInt64 = 2
    static let maxBlocks: UInt64 = 128
}
