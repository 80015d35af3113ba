import Cache
import Foundation
import Logging
import S3

/// Reads object data through the block cache: a missing block is fetched with a ranged GET
/// (one request per block asked for, never the whole object), sequential readers get the
/// following blocks fetched ahead, several ranges at once, on threads of the fetcher's own.
/// Each block is fetched once even when several readers want it.
final class BlockFetcher: @unchecked Sendable {
    struct Object {
        let module: MountedModule
        let key: String
        let etag: String
        let size: UInt64
    }

    /// Consecutive blocks of one object, claimed (in flight) until fetched.
    private struct Run {
        let object: Object
        let claimed: [(UInt64, String)]
    }

    let cache: BlockCache
    private let logger: Logger
    private let condition = NSCondition()
    private var inFlight: Set<String> = []
    /// Blocks a read-ahead request failed to fetch, and why: the reader waiting for one gets
    /// the failure (rather than asking again at once); it is forgotten after a moment.
    private var failures: [String: (error: S3Error, time: Double)] = [:]
    private var runs: [Run] = []
    private var started = false
    private let workers: Int

    /// Blocks fetched in one read-ahead request: a whole object up to 256 MiB in one request
    /// (servers that cost a pass over the object per ranged GET, like the test server, are
    /// dominated by the request count), larger objects in runs of an eighth, 64 to 256 MiB,
    /// several at once.
    static func blocksPerRun(objectBlocks: UInt64) -> UInt64 {
        objectBlocks <= 256 ? max(1, objectBlocks) : min(256, max(64, (objectBlocks + 7) / 8))
    }

    init(cache: BlockCache, workers: Int = 4, logger: Logger) {
        self.cache = cache
        self.workers = workers
        self.logger = logger
    }

    var blockSize: UInt64 { cache.blockSize }

    func length(ofBlock index: UInt64, objectSize: UInt64) -> Int {
        Int(min(blockSize, objectSize - index * blockSize))
    }

    /// Bytes `range` (within the block) of block `index` of `object`, from the cache or S3
    /// (the whole block is fetched, pinned to the object's ETag, and cached).
    func read(_ object: Object, _ index: UInt64, range: Range<Int>) throws(S3Error) -> [UInt8] {
        let name = cache.name(bucket: object.module.bucket, key: object.key, etag: object.etag, index: index)
        if let bytes = cache.read(name, range: range), bytes.count == range.count { return bytes }
        let block = try block(object, index)
        return Array(block[min(range.lowerBound, block.count)..<min(range.upperBound, block.count)])
    }

    /// Block `index` of `object`, from the cache or S3 (pinned to the object's ETag).
    func block(_ object: Object, _ index: UInt64) throws(S3Error) -> [UInt8] {
        let name = cache.name(bucket: object.module.bucket, key: object.key, etag: object.etag, index: index)
        let length = length(ofBlock: index, objectSize: object.size)
        while true {
            if let bytes = cache.read(name, range: 0..<length), bytes.count == length { return bytes }
            condition.lock()
            if inFlight.contains(name) {
                condition.wait()
                condition.unlock()
                continue
            }
            if let failure = failures.removeValue(forKey: name), monotonicSeconds() - failure.time < 2 {
                condition.unlock()
                throw failure.error
            }
            inFlight.insert(name)
            condition.unlock()
            defer { finish([name]) }
            let start = index * blockSize
            let (bytes, _) = try get(object.module, object.key, start..<(start + UInt64(length)), ifMatch: object.etag)
            cache.store(name, bytes)
            return bytes
        }
    }

    /// Fetches a block without knowing the object's current ETag (the first read of an open):
    /// returns the bytes and what S3 said of the object, and caches the block under that ETag.
    func firstBlock(_ module: MountedModule, _ key: String, _ index: UInt64) throws(S3Error) -> ([UInt8], ObjectInfo) {
        let start = index * blockSize
        let (bytes, info) = try get(module, key, start..<(start + blockSize), ifMatch: nil)
        let name = cache.name(bucket: module.bucket, key: key, etag: info.etag, index: index)
        if bytes.count == length(ofBlock: index, objectSize: info.size) { cache.store(name, bytes) }
        return (bytes, info)
    }

    private func get(_ module: MountedModule, _ key: String, _ range: Range<UInt64>, ifMatch: String?) throws(S3Error) -> ([UInt8], ObjectInfo) {
        logger.trace("demand fetch", metadata: ["key": "\(key)", "from": "\(range.lowerBound >> 20) MiB", "length": "\(range.count)"])
        let sink = ByteAccumulator()
        sink.bytes.reserveCapacity(range.count)
        let info = try module.store.getObject(bucket: module.bucket, key: key, range: range, ifMatch: ifMatch) { bytes in
            sink.bytes.append(contentsOf: bytes)
            return true
        }
        return (sink.bytes, info)
    }

    /// Queues blocks `first..<first+count` for fetching ahead, skipping those cached or on
    /// their way. Queued blocks count as on their way: a reader that needs one waits for its
    /// run rather than fetching it again.
    func prefetch(_ object: Object, first: UInt64, count: UInt64) {
        let lastBlock = object.size == 0 ? 0 : (object.size - 1) / blockSize
        guard first <= lastBlock else { return }
        let end = min(first + count, lastBlock + 1)
        condition.lock()
        defer { condition.unlock() }
        startWorkersLocked()
        let runLength = Int(Self.blocksPerRun(objectBlocks: lastBlock + 1))
        var run: [(UInt64, String)] = []
        func flush() {
            guard !run.isEmpty else { return }
            runs.append(Run(object: object, claimed: run))
            run.removeAll()
        }
        for index in first..<end {
            let name = cache.name(bucket: object.module.bucket, key: object.key, etag: object.etag, index: index)
            if inFlight.contains(name) || cache.contains(name) {
                flush()
                continue
            }
            inFlight.insert(name)
            run.append((index, name))
            if run.count == runLength { flush() }
        }
        flush()
        condition.broadcast()
    }

    private func startWorkersLocked() {
        guard !started else { return }
        started = true
        for index in 0..<workers {
            let thread = Thread { [self] in work() }
            thread.name = "smartfs-readahead-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    private func work() {
        while true {
            condition.lock()
            while runs.isEmpty { condition.wait() }
            let run = runs.removeFirst()
            condition.unlock()
            fetchRun(run.object, from: run.claimed.first!.0, through: run.claimed.last!.0, claimed: run.claimed)
        }
    }

    /// One GET for blocks `first...last`, cut into blocks as the bytes arrive.
    private func fetchRun(_ object: Object, from first: UInt64, through last: UInt64, claimed: [(UInt64, String)]) {
        let wanted = Dictionary(uniqueKeysWithValues: claimed)
        let start = first * blockSize
        let end = min(object.size, (last + 1) * blockSize)
        logger.trace("read-ahead fetch", metadata: ["key": "\(object.key)", "from": "\(first) MiB", "blocks": "\(last - first + 1)"])
        // Each block is released as soon as it is stored, so a reader waiting for it goes on
        // while the rest of the run is still arriving.
        let splitter = BlockSplitter(first: first, blockSize: blockSize, objectSize: object.size) { [cache, self] index, bytes in
            if let name = wanted[index] {
                cache.store(name, bytes)
                finish([name])
            }
        }
        do {
            try object.module.store.getObject(bucket: object.module.bucket, key: object.key, range: start..<end,
                                              ifMatch: object.etag) { splitter.append($0) }
        } catch {
            logger.debug("read-ahead failed", metadata: ["module": "\(object.module.name)", "key": "\(object.key)", "code": "\(error.code)"])
            let now = monotonicSeconds()
            condition.lock()
            for (_, name) in claimed where inFlight.contains(name) { failures[name] = (error, now) }
            if failures.count > 4096 { failures = failures.filter { now - $0.value.time < 2 } }
            condition.unlock()
        }
        finish(claimed.map(\.1))
    }

    private func finish(_ names: [String]) {
        condition.lock()
        for name in names { inFlight.remove(name) }
        condition.broadcast()
        condition.unlock()
    }
}

/// Cuts a stream of bytes into blocks.
private final class BlockSplitter: @unchecked Sendable {
    private var index: UInt64
    private let blockSize: UInt64
    private let objectSize: UInt64
    private var current: [UInt8] = []
    private let emit: (UInt64, [UInt8]) -> Void

    init(first: UInt64, blockSize: UInt64, objectSize: UInt64, emit: @escaping (UInt64, [UInt8]) -> Void) {
        self.index = first
        self.blockSize = blockSize
        self.objectSize = objectSize
        self.emit = emit
        current.reserveCapacity(Int(blockSize))
    }

    func append(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let length = Int(min(blockSize, objectSize - index * blockSize))
            let take = min(length - current.count, bytes.count - offset)
            current.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + take)]))
            offset += take
            if current.count == length {
                emit(index, current)
                current.removeAll(keepingCapacity: true)
                index += 1
            }
        }
        return true
    }
}
