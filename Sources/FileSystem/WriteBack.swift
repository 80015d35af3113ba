import Cache
import Foundation
import S3

/// Write-back: `close()` makes a version durable in the upload journal and returns; the
/// upload queue's workers send it to S3. Until then the version is served locally: stat,
/// listings and reads of the path see it, from every process.
extension SmartFileSystem: UploadPerformer {
    var isWriteBack: Bool { journal != nil }

    /// Hands the file's pending changes over: to the journal (write-back) or to S3 (not).
    /// Caller holds `file.lock`.
    func commitLocked(_ file: OpenFile, waited: Bool = false) throws(FSError) {
        guard let journal else {
            try uploadLocked(file)
            return
        }
        guard file.dirty, !file.unlinked else { return }
        guard file.loaded || file.partial != nil, file.stagingDescriptor >= 0, let staging = file.stagingPath else {
            // Only attributes changed, on a file whose data is in S3.
            try replaceMetadata(file.module, file.key, attributes: file.attributes)
            file.dirty = false
            attributeCache.set(file.path, file.attributes)
            return
        }
        if !waited && uploads.pendingBytes + file.attributes.size > options.maxCacheBytes {
            // Back-pressure: wait for uploads to make room, without holding the file (an upload
            // of this very file may need it to finish).
            let size = file.attributes.size
            file.lock.unlock()
            uploads.waitForRoom(limit: options.maxCacheBytes, adding: size)
            file.lock.lock()
            // Another thread may have committed or changed it meanwhile: start over.
            return try commitLocked(file, waited: true)
        }
        let id = journal.allocateID()
        let target = journal.dataPath(id)
        // The data becomes the journal's: moved when nobody else can write it through this
        // file, copied otherwise. Later writes copy it back first (see `detachFromJournal`).
        if file.stagingIsJournal {
            // Its path may be gone already (uploaded and removed); the descriptor is not.
            try copyFile(from: file.stagingDescriptor, to: target, file: file)
        } else if Glibc.rename(staging, target) == 0 {
            file.stagingPath = target
            file.stagingIsJournal = true
        } else {
            throw FSError(EIO, "module \(file.module.name): cannot move \(staging) into the upload journal: \(String(cString: strerror(errno)))")
        }
        var entry = UploadJournal.Entry(id: id, path: file.path, module: file.module.name, key: file.key,
                                        size: file.attributes.size, metadata: file.attributes.metadata,
                                        created: Date().timeIntervalSince1970)
        if let partial = file.partial {
            entry.baseETag = partial.baseETag
            entry.baseSize = partial.baseSize
            entry.present = partial.present.ranges.map { [$0.lowerBound, $0.upperBound] }
            entry.written = partial.written.ranges.map { [$0.lowerBound, $0.upperBound] }
        }
        do {
            try journal.commit(entry)
        } catch {
            journal.remove(id)
            let code: Int32 = if case .io(_, let errno) = error as? JournalError, errno == ENOSPC { ENOSPC } else { EIO }
            throw FSError(code, "module \(file.module.name): cannot journal \(file.key) for upload: \(error)")
        }
        file.latestJournalID = id
        file.dirty = false
        noteCreated(file.path, file.attributes)
        for old in uploads.enqueue(UploadQueue.Task(entry: entry, file: file)) {
            journal.remove(old.id)
        }
    }

    /// Before a write to a file whose local copy belongs to the journal: copy it to a new
    /// staging file, so that the journaled version stays as it was at `close()`.
    func detachFromJournal(_ file: OpenFile) throws(FSError) {
        guard file.stagingIsJournal else { return }
        let staged: (path: String, descriptor: Int32)
        do {
            staged = try cacheDirectory.makeStagingFile()
        } catch {
            throw FSError(EIO, "module \(file.module.name): cannot create a staging file: \(error)")
        }
        close(staged.descriptor)
        try copyFile(from: file.stagingDescriptor, to: staged.path, file: file)
        let descriptor = Glibc.open(staged.path, O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw FSError(EIO, "module \(file.module.name): cannot open \(staged.path): \(String(cString: strerror(errno)))")
        }
        close(file.stagingDescriptor)
        file.stagingDescriptor = descriptor
        file.stagingPath = staged.path
        file.stagingIsJournal = false
    }

    /// Copies the whole content behind `input` (read with pread; its offset is left alone) to a new file.
    private func copyFile(from input: Int32, to target: String, file: OpenFile) throws(FSError) {
        let output = Glibc.open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        defer { if output >= 0 { close(output) } }
        guard input >= 0, output >= 0 else {
            throw FSError(EIO, "module \(file.module.name): cannot copy the local copy of \(file.key) to \(target): \(String(cString: strerror(errno)))")
        }
        var offset: off_t = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = pread(input, buffer.baseAddress, buffer.count, offset)
            if count == 0 { return }
            if count < 0 {
                if errno == EINTR { continue }
                throw FSError(EIO, "module \(file.module.name): cannot read the local copy of \(file.key): \(String(cString: strerror(errno)))")
            }
            if let code = writeAll(output, UnsafeRawBufferPointer(rebasing: buffer[0..<count]), at: UInt64(offset)) {
                throw FSError(code == ENOSPC ? ENOSPC : EIO,
                              "module \(file.module.name): cannot write \(target): \(String(cString: strerror(code)))")
            }
            offset += off_t(count)
        }
    }

    // MARK: UploadPerformer

    func performUpload(_ task: UploadQueue.Task) throws(FSError) -> String {
        guard let journal else { throw FSError(EIO, "no upload journal") }
        guard let module = modulesByName[task.entry.module] else {
            throw FSError(EIO, "module \(task.entry.module) is no longer configured; \(task.entry.key) stays in the journal")
        }
        let entry = task.entry
        if let partial = Self.partialCopy(of: entry) {
            return try uploadPartial(module, key: entry.key, path: journal.dataPath(entry.id), size: entry.size,
                                     metadata: entry.metadata, partial: partial)
        }
        return try upload(module, key: entry.key, path: journal.dataPath(entry.id), size: entry.size, metadata: entry.metadata)
    }

    /// The partial-copy description a journal entry carries, if any.
    static func partialCopy(of entry: UploadJournal.Entry) -> PartialCopy? {
        guard let baseETag = entry.baseETag, let baseSize = entry.baseSize else { return nil }
        func ranges(_ pairs: [[UInt64]]?) -> ByteRanges {
            ByteRanges((pairs ?? []).compactMap { $0.count == 2 && $0[0] < $0[1] ? $0[0]..<$0[1] : nil })
        }
        return PartialCopy(baseETag: baseETag, baseSize: baseSize, present: ranges(entry.present), written: ranges(entry.written))
    }

    func uploadFinished(_ task: UploadQueue.Task, etag: String) {
        let file = task.file
        file.lock.lock()
        if file.latestJournalID == task.entry.id && file.key == task.entry.key {
            file.existsRemotely = true
            file.remoteETag = etag
            file.attributes.etag = etag
            if let partial = file.partial, !file.dirty {
                // The new version is the base now: nothing written since.
                file.partial = PartialCopy(baseETag: etag, baseSize: file.attributes.size, present: partial.present)
            }
            if !file.dirty { attributeCache.set(file.path, file.attributes) }
        }
        journal?.remove(task.entry.id)
        file.lock.unlock()
        retireIfIdle(file, finishing: task.entry.id)
    }

    func uploadDiscarded(_ entry: UploadJournal.Entry) {
        journal?.remove(entry.id)
    }

    /// Drops a file from the open table once nothing holds it: no handle, no pending change,
    /// no upload still to run (besides `finishing`, the one that just ended).
    func retireIfIdle(_ file: OpenFile, finishing: UInt64? = nil) {
        file.lock.lock()
        defer { file.lock.unlock() }
        let pending = uploads.pending(file) - (finishing == nil ? 0 : 1)
        let retired = table.withLock { table -> Bool in
            guard file.openCount == 0, !file.dirty || file.unlinked, pending <= 0 else { return false }
            if table.files[file.path] === file { table.files[file.path] = nil }
            return true
        }
        if retired { file.closeStaging() }
    }

    /// Waits for the uploads of the open file at `path`, if any (before renaming, deleting
    /// or changing the metadata of what they upload).
    /// Fails (EIO) if one of those uploads fails meanwhile: it stays queued.
    func waitForUploads(_ path: String) throws(FSError) {
        guard isWriteBack, let file = table.withLock({ $0.files[path] }) else { return }
        try waitForUploads(of: file)
    }

    /// Waits for the uploads of every open file under `directory`.
    func waitForUploads(under directory: String) throws(FSError) {
        guard isWriteBack else { return }
        let files = table.withLock { $0.files.values.filter { $0.path.hasPrefix(directory + "/") } }
        for file in files { try waitForUploads(of: file) }
    }

    func waitForUploads(of file: OpenFile) throws(FSError) {
        if let failure = uploads.wait(for: file, failFast: true) {
            throw FSError(EIO, "waiting for the upload of \(file.path), which failed (it stays queued and is retried): \(failure)")
        }
    }

    /// After a crash: queues every upload the journal holds, and serves those files locally
    /// until they are in S3. Returns how many were found.
    @discardableResult
    public func recoverJournal() -> Int {
        guard let journal else { return 0 }
        let entries = journal.pending()
        var newest: [String: UploadJournal.Entry] = [:]
        for entry in entries {
            if let older = newest[entry.path] { journal.remove(older.id) }
            newest[entry.path] = entry
        }
        var recovered = 0
        for entry in newest.values.sorted(by: { $0.id < $1.id }) {
            guard let module = modulesByName[entry.module],
                  case .entry(let located, let relative)? = try? locate(entry.path), located.name == module.name else {
                logger.error("the journal holds an upload for a module that is not configured; it is kept",
                             metadata: ["module": "\(entry.module)", "key": "\(entry.key)", "journal": "\(journal.directory)"])
                continue
            }
            let descriptor = Glibc.open(journal.dataPath(entry.id), O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { continue }
            let metadata = entry.metadata
            let mtime = metadata[MetadataKeys.mtime].flatMap(Timestamp.init(metadataValue:)) ?? Timestamp(seconds: Int64(entry.created))
            let mode = metadata[MetadataKeys.mode].flatMap(UInt32.init) ?? (UInt32(S_IFREG) | module.defaultPermissions(for: .file))
            let attributes = FileAttributes(
                kind: .file, permissions: mode, uid: metadata[MetadataKeys.uid].flatMap(UInt32.init) ?? owner.uid,
                gid: metadata[MetadataKeys.gid].flatMap(UInt32.init) ?? owner.gid, size: entry.size, mtime: mtime)
            let file = OpenFile(path: entry.path, module: module, relativePath: relative, attributes: attributes, existsRemotely: false)
            file.stagingPath = journal.dataPath(entry.id)
            file.stagingDescriptor = descriptor
            file.stagingIsJournal = true
            file.partial = Self.partialCopy(of: entry)
            file.loaded = file.partial == nil
            file.latestJournalID = entry.id
            table.withLock { $0.files[entry.path] = file }
            _ = uploads.enqueue(UploadQueue.Task(entry: entry, file: file))
            recovered += 1
        }
        if recovered > 0 {
            logger.notice("found uploads a previous run had not finished; uploading them", metadata: ["count": "\(recovered)"])
        }
        return recovered
    }

    /// What `smartfs status` shows: uploads pending, in flight and failing, and cache use.
    public func statusReport() -> FileSystemStatus {
        let snapshot = uploads.snapshot()
        return FileSystemStatus(
            uploadsQueued: snapshot.queued, uploadsInFlight: snapshot.inFlight, pendingBytes: snapshot.queuedBytes,
            failing: snapshot.failing.map { FileSystemStatus.FailingUpload(path: $0.path, attempts: $0.attempts, error: $0.error) },
            blockCacheBytes: fetcher?.cache.size ?? 0, cacheLimitBytes: options.maxCacheBytes,
            openFiles: table.withLock { $0.handles.count }, writeBack: isWriteBack)
    }
}

/// A snapshot of the filesystem's state, for `smartfs status`.
public struct FileSystemStatus: Sendable {
    public struct FailingUpload: Sendable {
        public var path: String
        public var attempts: Int
        public var error: String
    }

    public var uploadsQueued: Int
    public var uploadsInFlight: Int
    public var pendingBytes: UInt64
    public var failing: [FailingUpload]
    public var blockCacheBytes: UInt64
    public var cacheLimitBytes: UInt64
    public var openFiles: Int
    public var writeBack: Bool
}
