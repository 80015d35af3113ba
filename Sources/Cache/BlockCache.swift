import Foundation
import Synchronization

/// Blocks of objects read from S3, kept on local disk and evicted least-recently-used first
/// when the cache passes its budget. A block is named by bucket, key, ETag and index, so a
/// changed object never shares blocks with its previous version.
public final class BlockCache: Sendable {
    private struct Entry {
        var size: UInt64
        var lastUse: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var total: UInt64 = 0
        var clock: UInt64 = 0
    }

    public let directory: String
    public let blockSize: UInt64
    /// Bytes the cache may hold: given the bytes waiting to be uploaded (which are never
    /// evicted), what is left of the cache's bound.
    private let budget: @Sendable () -> UInt64
    private let state = Mutex(State())

    /// Opens the cache in `directory` (created 0700), keeping the blocks already there.
    public init(directory: String, blockSize: UInt64 = 1 << 20, budget: @escaping @Sendable () -> UInt64) throws {
        self.directory = directory
        self.blockSize = blockSize
        self.budget = budget
        try CacheDirectory.makePrivateDirectory(directory)
        var initial = State()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            if name.hasSuffix(".tmp") {
                unlink(directory + "/" + name)
                continue
            }
            var info = stat()
            guard stat(directory + "/" + name, &info) == 0 else { continue }
            initial.clock += 1
            initial.entries[name] = Entry(size: UInt64(info.st_size), lastUse: UInt64(info.st_atim.tv_sec))
            initial.total += UInt64(info.st_size)
        }
        state.withLock { $0 = initial }
    }

    /// The name of block `index` of an object version.
    public func name(bucket: String, key: String, etag: String, index: UInt64) -> String {
        var hasher = Hasher64()
        hasher.add(bucket)
        hasher.add(key)
        hasher.add(etag)
        return "\(hasher.hex)-\(index)"
    }

    /// The bytes `range` (within the block) of a cached block, or nil when it is not cached.
    public func read(_ name: String, range: Range<Int>) -> [UInt8]? {
        let known = state.withLock { state -> Bool in
            guard state.entries[name] != nil else { return false }
            state.clock += 1
            state.entries[name]!.lastUse = state.clock
            return true
        }
        guard known else { return nil }
        let descriptor = open(directory + "/" + name, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            forget(name)
            return nil
        }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: range.count)
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, range.count, off_t(range.lowerBound)) }
        guard count >= 0 else { return nil }
        bytes.removeLast(range.count - count)
        return bytes
    }

    public func contains(_ name: String) -> Bool {
        state.withLock { $0.entries[name] != nil }
    }

    /// Stores a block (written to a temporary name, then renamed: whole or absent), then
    /// evicts the least recently used blocks while over budget.
    public func store(_ name: String, _ bytes: [UInt8]) {
        let path = directory + "/" + name
        let temporary = path + ".\(UInt32.random(in: 0...UInt32.max)).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return }
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        guard written == bytes.count, rename(temporary, path) == 0 else {
            unlink(temporary)
            return
        }
        var victims: [String] = []
        let limit = budget()
        state.withLock { state in
            state.clock += 1
            if let old = state.entries[name] { state.total -= old.size }
            state.entries[name] = Entry(size: UInt64(bytes.count), lastUse: state.clock)
            state.total += UInt64(bytes.count)
            if state.total > limit {
                for (victim, entry) in state.entries.sorted(by: { $0.value.lastUse < $1.value.lastUse }) {
                    guard state.total > limit * 9 / 10 else { break }
                    if victim == name { continue }
                    state.entries[victim] = nil
                    state.total -= entry.size
                    victims.append(victim)
                }
            }
        }
        for victim in victims { unlink(directory + "/" + victim) }
    }

    /// Bytes held.
    public var size: UInt64 { state.withLock { $0.total } }

    private func forget(_ name: String) {
        state.withLock { state in
            if let entry = state.entries.removeValue(forKey: name) { state.total -= entry.size }
        }
    }
}

/// FNV-1a, 64 bits, twice with different seeds: a short, stable file name for a block.
struct Hasher64 {
    private var a: UInt64 = 0xcbf2_9ce4_8422_2325
    private var b: UInt64 = 0x8422_2325_cbf2_9ce4

    mutating func add(_ text: String) {
        for byte in text.utf8 {
            a = (a ^ UInt64(byte)) &* 0x100_0000_01b3
            b = (b ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        a = (a ^ 0xff) &* 0x100_0000_01b3
        b = (b ^ 0xfe) &* 0x100_0000_01b3
    }

    var hex: String { String(format: "%016llx%016llx", a, b) }
}
