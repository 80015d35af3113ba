import Cache
import Foundation
import Logging

/// Background uploads of journaled files: a fixed set of worker threads of our own, at most
/// one upload per key at a time (so versions land in order), retries with back-off for as
/// long as it takes. Nothing is dropped: an entry leaves the journal only once it is in S3 or
/// superseded by a newer version of the same file.
final class UploadQueue: @unchecked Sendable {
    struct Task {
        let entry: UploadJournal.Entry
        let file: OpenFile
        var attempts = 0
        var notBefore: Double = 0
        var lastError: String?
    }

    /// What `status` shows of the queue.
    public struct Snapshot: Sendable {
        public var queued: Int
        public var inFlight: Int
        public var queuedBytes: UInt64
        public var failing: [(path: String, attempts: Int, error: String)]
    }

    private let condition = NSCondition()
    private var queued: [Task] = []
    private var inFlight: [UInt64: Task] = [:]
    private var failuresSince: [ObjectIdentifier: [String]] = [:]
    private var loggedCauses: Set<String> = []
    private var started = false
    private let workers: Int
    private let logger: Logger
    /// Does the uploads; set once, right after the filesystem is made.
    weak var performer: (any UploadPerformer)?

    init(workers: Int, logger: Logger) {
        self.workers = max(1, workers)
        self.logger = logger
    }

    /// Queues `task`; queued (not yet started) uploads of the same file are superseded and
    /// returned, so their journal entries can be removed.
    func enqueue(_ task: Task) -> [UploadJournal.Entry] {
        condition.lock()
        defer { condition.unlock() }
        startWorkersLocked()
        let superseded = queued.filter { $0.file === task.file }.map(\.entry)
        queued.removeAll { $0.file === task.file }
        queued.append(task)
        condition.broadcast()
        return superseded
    }

    /// Removes the file's queued uploads (not those already running) and returns them.
    func cancel(_ file: OpenFile) -> [UploadJournal.Entry] {
        condition.lock()
        defer { condition.unlock() }
        let cancelled = queued.filter { $0.file === file }.map(\.entry)
        queued.removeAll { $0.file === file }
        condition.broadcast()
        return cancelled
    }

    /// Uploads of `file` queued or running.
    func pending(_ file: OpenFile) -> Int {
        condition.lock()
        defer { condition.unlock() }
        return pendingLocked(file)
    }

    private func pendingLocked(_ file: OpenFile) -> Int {
        queued.filter { $0.file === file }.count + inFlight.values.filter { $0.file === file }.count
    }

    /// Waits until `file` has no upload queued or running. With `failFast`, returns the first
    /// failure of one of its uploads that happens meanwhile (the upload stays queued).
    func wait(for file: OpenFile, failFast: Bool = false) -> String? {
        let id = ObjectIdentifier(file)
        condition.lock()
        defer { condition.unlock() }
        if failFast { failuresSince[id] = [] }
        defer { if failFast { failuresSince[id] = nil } }
        while pendingLocked(file) > 0 {
            if failFast, let failure = failuresSince[id]?.first { return failure }
            condition.wait()
        }
        return nil
    }

    /// Waits until every upload is done, or until `deadline` (monotonic seconds) has passed
    /// while every remaining upload keeps failing. Returns the uploads still pending.
    func drain(giveUpAfter seconds: Double) -> [Task] {
        condition.lock()
        defer { condition.unlock() }
        var stuckSince: Double?
        while !queued.isEmpty || !inFlight.isEmpty {
            let allFailing = (queued + Array(inFlight.values)).allSatisfy { $0.attempts > 0 }
            if allFailing {
                let now = monotonicSeconds()
                stuckSince = stuckSince ?? now
                if now - stuckSince! >= seconds { return queued + Array(inFlight.values) }
            } else {
                stuckSince = nil
            }
            condition.wait(until: Date().addingTimeInterval(0.5))
        }
        return []
    }

    func snapshot() -> Snapshot {
        condition.lock()
        defer { condition.unlock() }
        let all = queued + Array(inFlight.values)
        return Snapshot(queued: queued.count, inFlight: inFlight.count, queuedBytes: all.reduce(0) { $0 + $1.entry.size },
                        failing: all.compactMap { task in task.lastError.map { (task.entry.path, task.attempts, $0) } })
    }

    /// Bytes waiting to be uploaded.
    var pendingBytes: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return (queued + Array(inFlight.values)).reduce(0) { $0 + $1.entry.size }
    }

    /// Blocks while more than `limit` bytes wait to be uploaded (back-pressure on writers).
    func waitForRoom(limit: UInt64, adding size: UInt64) {
        condition.lock()
        defer { condition.unlock() }
        while !(queued.isEmpty && inFlight.isEmpty),
              (queued + Array(inFlight.values)).reduce(0, { $0 + $1.entry.size }) + size > limit {
            condition.wait(until: Date().addingTimeInterval(1))
        }
    }

    private func startWorkersLocked() {
        guard !started else { return }
        started = true
        for index in 0..<workers {
            let thread = Thread { [self] in work() }
            thread.name = "smartfs-upload-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    private func work() {
        while true {
            condition.lock()
            var task: Task?
            while task == nil {
                let now = monotonicSeconds()
                let busy = Set(inFlight.values.map { ObjectIdentifier($0.file) })
                if let index = queued.firstIndex(where: { !busy.contains(ObjectIdentifier($0.file)) && $0.notBefore <= now }) {
                    task = queued.remove(at: index)
                } else {
                    let next = queued.map(\.notBefore).filter { $0 > now }.min()
                    condition.wait(until: Date().addingTimeInterval(min(1, max(0.01, (next ?? now + 1) - now))))
                }
            }
            var current = task!
            inFlight[current.entry.id] = current
            condition.unlock()

            let result: Result<String, FSError>
            do throws(FSError) {
                guard let performer else { throw FSError(EIO, "the filesystem is gone") }
                result = .success(try performer.performUpload(current))
            } catch {
                result = .failure(error)
            }

            var superseded: UploadJournal.Entry?
            switch result {
            case .success(let etag):
                performer?.uploadFinished(current, etag: etag)
                condition.lock()
                inFlight[current.entry.id] = nil
                if current.attempts > 0 {
                    logger.info("upload succeeded after retries", metadata: [
                        "module": "\(current.entry.module)", "key": "\(current.entry.key)", "attempts": "\(current.attempts + 1)"])
                }
            case .failure(let error):
                condition.lock()
                inFlight[current.entry.id] = nil
                current.attempts += 1
                current.lastError = error.reason
                current.notBefore = monotonicSeconds() + min(60, 0.5 * pow(2, Double(min(current.attempts, 8))))
                let cause = "\(current.entry.module)|\(error.s3?.code ?? String(error.errno))"
                if loggedCauses.insert(cause).inserted {
                    logger.error("upload failed; it stays in the journal and is retried with back-off", metadata: [
                        "module": "\(current.entry.module)", "key": "\(current.entry.key)", "reason": "\(error.reason)"])
                }
                failuresSince[ObjectIdentifier(current.file)]?.append(error.reason)
                // A newer version queued meanwhile supersedes this one; else retry it.
                if !queued.contains(where: { $0.file === current.file }) {
                    queued.append(current)
                    queued.sort { $0.entry.id < $1.entry.id }
                } else {
                    superseded = current.entry
                }
            }
            condition.broadcast()
            condition.unlock()
            if let superseded { performer?.uploadDiscarded(superseded) }
        }
    }
}

/// What the upload workers call back into.
protocol UploadPerformer: AnyObject, Sendable {
    /// Uploads one journaled version; returns its ETag.
    func performUpload(_ task: UploadQueue.Task) throws(FSError) -> String
    /// The version is in S3.
    func uploadFinished(_ task: UploadQueue.Task, etag: String)
    /// The version was superseded before it could be uploaded: forget it.
    func uploadDiscarded(_ entry: UploadJournal.Entry)
}
