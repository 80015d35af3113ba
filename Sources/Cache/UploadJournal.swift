import Foundation
import Synchronization

/// The durable list of uploads not yet in S3. A file whose `close()` returned has its data and
/// its record here, both fsync'd; after a crash, the next mount with the same cache directory
/// finds them and uploads them.
///
/// Layout: `DIR/<id>.data` (the bytes to upload) and `DIR/<id>.json` (where they go). A record
/// is written to a temporary name, fsync'd, then renamed, so it is whole or absent; data
/// without a record is an upload whose `close()` never returned, and is removed at start-up.
public final class UploadJournal: Sendable {
    /// One pending upload.
    public struct Entry: Codable, Sendable, Equatable {
        /// Increasing; a later entry for the same key supersedes an earlier one.
        public var id: UInt64
        /// The mount path (`/media/a.jpg`), for showing it while pending.
        public var path: String
        public var module: String
        public var key: String
        public var size: UInt64
        /// The `x-amz-meta-*` attributes to upload with the data.
        public var metadata: [String: String]
        /// Seconds since 1970 when the data was journaled.
        public var created: Double
        /// For a partial local copy of a large object: the version it overlays, which of its
        /// bytes the data file holds, and which were written ([start, end] pairs).
        public var baseETag: String?
        public var baseSize: UInt64?
        public var present: [[UInt64]]?
        public var written: [[UInt64]]?

        public init(id: UInt64, path: String, module: String, key: String, size: UInt64, metadata: [String: String], created: Double) {
            self.id = id
            self.path = path
            self.module = module
            self.key = key
            self.size = size
            self.metadata = metadata
            self.created = created
        }
    }

    public let directory: String
    private let nextID: Mutex<UInt64>

    /// Opens (creating 0700) the journal in `directory`, removing data that has no record.
    public init(directory: String) throws {
        self.directory = directory
        try CacheDirectory.makePrivateDirectory(directory)
        var highest: UInt64 = 0
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let records = Set(names.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) })
        for name in names {
            let stem = name.split(separator: ".").first.map(String.init) ?? name
            if let id = UInt64(stem) { highest = max(highest, id) }
            if name.hasSuffix(".data") && !records.contains(String(name.dropLast(5))) || name.hasSuffix(".tmp") {
                unlink(directory + "/" + name)
            }
        }
        nextID = Mutex(highest + 1)
    }

    /// Takes the next id; its data file is `dataPath(id)`.
    public func allocateID() -> UInt64 {
        nextID.withLock { id in
            defer { id += 1 }
            return id
        }
    }

    public func dataPath(_ id: UInt64) -> String { "\(directory)/\(id).data" }
    private func recordPath(_ id: UInt64) -> String { "\(directory)/\(id).json" }

    /// Makes `entry` durable: fsyncs its data file (already at `dataPath(entry.id)`), then
    /// writes and fsyncs its record. When this returns, the upload survives a crash.
    public func commit(_ entry: Entry) throws {
        let data = open(dataPath(entry.id), O_RDONLY | O_CLOEXEC)
        guard data >= 0 else { throw JournalError.io("cannot open \(dataPath(entry.id))", errno) }
        let synced = fdatasync(data)
        let code = errno
        close(data)
        guard synced == 0 else { throw JournalError.io("cannot fsync \(dataPath(entry.id))", code) }

        let encoded = try JSONEncoder().encode(entry)
        let temporary = recordPath(entry.id) + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw JournalError.io("cannot create \(temporary)", errno) }
        let written = encoded.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let recordSynced = fsync(descriptor)
        close(descriptor)
        guard written == encoded.count, recordSynced == 0 else {
            unlink(temporary)
            throw JournalError.io("cannot write \(temporary)", errno)
        }
        guard rename(temporary, recordPath(entry.id)) == 0 else { throw JournalError.io("cannot rename \(temporary)", errno) }
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    /// Forgets an entry once its upload is in S3 (or superseded): record first, then data.
    public func remove(_ id: UInt64) {
        unlink(recordPath(id))
        unlink(dataPath(id))
    }

    /// Every committed entry, oldest first.
    public func pending() -> [Entry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let decoder = JSONDecoder()
        return names.filter { $0.hasSuffix(".json") }.compactMap { name -> Entry? in
            guard let data = FileManager.default.contents(atPath: directory + "/" + name),
                  let entry = try? decoder.decode(Entry.self, from: data),
                  FileManager.default.fileExists(atPath: dataPath(entry.id)) else { return nil }
            return entry
        }.sorted { $0.id < $1.id }
    }
}

/// A journal file could not be written or read.
public enum JournalError: Error, CustomStringConvertible, Sendable {
    case io(String, Int32)

    public var description: String {
        switch self {
        case .io(let what, let code): "\(what): \(String(cString: strerror(code)))"
        }
    }
}
