import Foundation
import S3

/// Opening, reading and writing files. Reads of a file not written locally are ranged GETs
/// with a growing read-ahead window; writes go to a staging file in the cache directory,
/// uploaded when the file is flushed (close) or fsync'd.
extension SmartFileSystem {
    /// `create`: a new, empty file, open for writing. It reaches S3 when it is closed.
    public func create(_ path: String, mode: UInt32, flags: Int32, caller: Caller) throws(FSError) -> UInt64 {
        let (module, relative) = try writableEntry(path)
        if !module.fileOverwrite {
            // The kernel only creates names it looked up as absent (an answer this cache keeps
            // for a moment, so this costs no request then); a caller that did not look first
            // is checked against S3, so that an existing object is never replaced.
            if (try? getattr(path)) != nil {
                let message = "module \(module.name): file_overwrite = false, refusing to replace existing \(module.key(relative))"
                logger.warning("\(message)")
                throw FSError(EPERM, message)
            }
        }
        let now = Timestamp.now()
        let attributes = FileAttributes(kind: .file, permissions: mode, uid: caller.uid, gid: caller.gid,
                                        size: 0, mtime: now, complete: true)
        let file = OpenFile(path: path, module: module, relativePath: relative, attributes: attributes, existsRemotely: false)
        // Not shared yet: no other thread can see `file` before `register`.
        try startStaging(file, loaded: true)
        file.dirty = true
        return register(file, path: path, writable: true, replacing: true)
    }

    /// `open`: a handle on an existing file. O_TRUNC starts from empty; writing needs the
    /// module to allow overwrites.
    public func open(_ path: String, flags: Int32) throws(FSError) -> UInt64 {
        let (module, relative) = try entry(path)
        let writable = flags & O_ACCMODE != O_RDONLY
        let truncating = flags & O_TRUNC != 0
        let attributes = try getattr(path)
        if attributes.kind == .directory {
            throw FSError(EISDIR, "module \(module.name): \(module.key(relative)) is a directory")
        }
        let existing = table.withLock { $0.files[path] }
        if writable || truncating {
            try checkWritable(module, relative)
            let existsRemotely = existing.map { file in file.lock.withLock { file.committed } } ?? true
            if !module.fileOverwrite && existsRemotely {
                let message = "module \(module.name): file_overwrite = false, refusing to modify existing \(module.key(relative))"
                logger.warning("\(message)")
                throw FSError(EPERM, message)
            }
        }
        let file = existing ?? OpenFile(path: path, module: module, relativePath: relative, attributes: attributes, existsRemotely: true)
        if truncating {
            file.lock.lock()
            defer { file.lock.unlock() }
            try truncateLocked(file, to: 0)
        }
        return register(file, path: path, writable: writable, replacing: false)
    }

    private func register(_ file: OpenFile, path: String, writable: Bool, replacing: Bool) -> UInt64 {
        table.withLock { table in
            let shared: OpenFile
            if !replacing, let current = table.files[path] {
                shared = current
            } else {
                shared = file
                table.files[path] = file
            }
            shared.openCount += 1  // guarded by the table lock
            let id = table.nextHandle
            table.nextHandle += 1
            table.handles[id] = Handle(id: id, file: shared, writable: writable)
            return id
        }
    }

    func handle(_ id: UInt64) throws(FSError) -> Handle {
        guard let handle = table.withLock({ $0.handles[id] }) else {
            throw FSError(EBADF, "no open file with handle \(id)")
        }
        return handle
    }

    /// `read`: up to `size` bytes at `offset`; fewer at the end of the file.
    public func read(_ id: UInt64, offset: UInt64, size: Int) throws(FSError) -> [UInt8] {
        let handle = try handle(id)
        let file = handle.file
        file.lock.lock()
        if file.loaded, file.stagingDescriptor >= 0 {
            defer { file.lock.unlock() }
            return try readStaging(file, offset: offset, size: size)
        }
        if file.partial != nil, file.stagingDescriptor >= 0 {
            defer { file.lock.unlock() }
            try fillPartial(file, offset..<(offset + UInt64(size)))
            return try readStaging(file, offset: offset, size: size)
        }
        let module = file.module
        let key = file.key
        let fileSize = file.attributes.size
        let knownETag = file.remoteETag.flatMap { $0.isEmpty ? nil : $0 }
        file.lock.unlock()

        handle.lock.lock()
        defer { handle.lock.unlock() }
        do {
            return try readRemote(handle, module, key, knownSize: fileSize, knownETag: knownETag, offset: offset, size: size)
        } catch {
            if error.code == "PreconditionFailed" {
                logger.warning("object changed in S3 while open; reopen to read the new version",
                               metadata: ["module": "\(module.name)", "key": "\(key)"])
            }
            throw FSError.from(error, module: module.name, key: key)
        }
    }

    /// Reads an object not held locally, block by block through the block cache, and starts
    /// fetching ahead when the handle reads sequentially. Caller holds `handle.lock`.
    private func readRemote(_ handle: Handle, _ module: MountedModule, _ key: String, knownSize: UInt64, knownETag: String?,
                            offset: UInt64, size: Int) throws(S3Error) -> [UInt8] {
        guard let fetcher else {
            let end = min(knownSize, offset + UInt64(size))
            guard offset < end else { return [] }
            return try (module.store as any ObjectStore).getObjectBytes(bucket: module.bucket, key: key, range: offset..<end,
                                                                        ifMatch: handle.pinnedETag ?? knownETag)
        }
        guard offset < knownSize, size > 0 else { return [] }
        let blockSize = fetcher.blockSize
        var objectSize = knownSize
        var output: [UInt8] = []
        var position = offset
        var tentative = false
        if handle.pinnedETag == nil {
            let index = position / blockSize
            if let knownETag, offset == 0 || fetcher.cache.contains(fetcher.cache.name(bucket: module.bucket, key: key, etag: knownETag, index: index)) {
                // Read over the version the metadata names (cached, or a whole-file read that
                // starts its read-ahead at once); if S3 holds another, the first fetch says so.
                handle.pinnedETag = knownETag
                tentative = true
            } else {
                // Ask S3 for the current version with the first block (the ETag check on open).
                let (bytes, info) = try fetcher.firstBlock(module, key, index)
                handle.pinnedETag = info.etag
                objectSize = info.size
                let within = Int(position - index * blockSize)
                if within < bytes.count {
                    let take = min(size, bytes.count - within)
                    output += bytes[within..<(within + take)]
                    position += UInt64(take)
                }
                if info.size != knownSize || info.etag != knownETag { objectChanged(handle.file, info) }
            }
        }
        let object = BlockFetcher.Object(module: module, key: key, etag: handle.pinnedETag!, size: objectSize)
        let end = min(objectSize, offset + UInt64(size))
        readAhead(handle, fetcher, object, offset: offset, end: end)
        while position < end {
            let index = position / blockSize
            let within = Int(position - index * blockSize)
            let take = min(Int(end - position), fetcher.length(ofBlock: index, objectSize: objectSize) - within)
            guard take > 0 else { break }
            let bytes: [UInt8]
            do {
                bytes = try fetcher.read(object, index, range: within..<(within + take))
            } catch where tentative && error.code == "PreconditionFailed" {
                // S3 holds another version than the metadata said: start over with the current one.
                handle.pinnedETag = nil
                handle.prefetchedUpTo = 0
                return try readRemote(handle, module, key, knownSize: knownSize, knownETag: nil, offset: offset, size: size)
            }
            guard !bytes.isEmpty else { break }
            output += bytes
            position += UInt64(bytes.count)
        }
        return output
    }

    /// Decides what to fetch ahead of a read of `offset..<end`. Sequential reading widens the
    /// window; a jump starts it over. The kernel sends a sequential reader's requests from
    /// several threads, so "sequential" allows them to arrive a little out of order. Whole runs
    /// only, so that each read-ahead request is large. Caller holds `handle.lock`.
    private func readAhead(_ handle: Handle, _ fetcher: BlockFetcher, _ object: BlockFetcher.Object, offset: UInt64, end: UInt64) {
        let blockSize = fetcher.blockSize
        let objectBlocks = (object.size + blockSize - 1) / blockSize
        let run = BlockFetcher.blocksPerRun(objectBlocks: objectBlocks)
        let sequential = offset <= handle.lastReadEnd + blockSize && offset + blockSize >= handle.lastReadEnd
        if offset == 0 {
            // Reading from the start is how whole-file reads begin: a full run at once.
            handle.windowBlocks = max(ReadAhead.initialBlocks, run)
            handle.prefetchedUpTo = 0
        } else if sequential {
            handle.windowBlocks = min(handle.windowBlocks * 2, max(ReadAhead.maxBlocks, 4 * run))
        } else {
            handle.windowBlocks = ReadAhead.initialBlocks
            handle.prefetchedUpTo = 0
        }
        handle.lastReadEnd = sequential ? max(handle.lastReadEnd, end) : end
        guard offset == 0 || handle.windowBlocks > ReadAhead.initialBlocks else { return }
        let first = offset / blockSize
        let target = min(first + handle.windowBlocks, objectBlocks)
        let from = max(first, handle.prefetchedUpTo)
        if target > from && (target - from >= min(run, handle.windowBlocks / 2) || target == objectBlocks) {
            fetcher.prefetch(object, first: from, count: target - from)
            handle.prefetchedUpTo = target
        }
    }

    /// S3 holds another version than the one the metadata cache described: adopt it.
    private func objectChanged(_ file: OpenFile, _ info: ObjectInfo) {
        file.lock.lock()
        if !file.dirty && !file.loaded {
            file.attributes.size = info.size
            file.attributes.etag = info.etag
            file.remoteETag = info.etag
        }
        let attributes = file.attributes
        file.lock.unlock()
        attributeCache.set(file.path, attributes)
    }

    private func readStaging(_ file: OpenFile, offset: UInt64, size: Int) throws(FSError) -> [UInt8] {
        let available = file.attributes.size > offset ? Int(min(UInt64(size), file.attributes.size - offset)) : 0
        guard available > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: available)
        let count = bytes.withUnsafeMutableBytes { pread(file.stagingDescriptor, $0.baseAddress, available, off_t(offset)) }
        if count < 0 {
            throw FSError(EIO, "module \(file.module.name): cannot read the local copy of \(file.key): \(String(cString: strerror(errno)))")
        }
        bytes.removeLast(available - count)
        return bytes
    }

    /// `write`: into the staging file; the object is uploaded on flush or fsync.
    public func write(_ id: UInt64, offset: UInt64, bytes: UnsafeRawBufferPointer) throws(FSError) -> Int {
        let handle = try handle(id)
        guard handle.writable else { throw FSError(EBADF, "handle \(id) is not open for writing") }
        let file = handle.file
        file.lock.lock()
        defer { file.lock.unlock() }
        try prepareForWrite(file)
        if let code = writeAll(file.stagingDescriptor, bytes, at: offset) {
            throw FSError(code == ENOSPC ? ENOSPC : EIO,
                          "module \(file.module.name): cannot write the local copy of \(file.key): \(String(cString: strerror(code)))")
        }
        let done = bytes.count
        if var partial = file.partial {
            // A write past the end leaves a hole: zeros, written like the rest.
            if offset > file.attributes.size { partial.written.insert(file.attributes.size..<offset) }
            partial.present.insert(min(offset, file.attributes.size)..<(offset + UInt64(done)))
            partial.written.insert(offset..<(offset + UInt64(done)))
            file.partial = partial
        }
        file.attributes.size = max(file.attributes.size, offset + UInt64(done))
        file.attributes.mtime = Timestamp.now()
        file.attributes.ctime = file.attributes.mtime
        file.dirty = true
        return done
    }

    /// `truncate`/`ftruncate`.
    public func truncate(_ path: String, size: UInt64, handle id: UInt64?) throws(FSError) {
        let (module, relative) = try writableEntry(path)
        let file: OpenFile
        var temporary = false
        if let id {
            file = try handle(id).file
        } else if let open = table.withLock({ $0.files[path] }) {
            file = open
        } else {
            let attributes = try getattr(path)
            guard attributes.kind == .file else {
                throw FSError(attributes.kind == .directory ? EISDIR : EINVAL, "module \(module.name): cannot truncate \(module.key(relative))")
            }
            file = OpenFile(path: path, module: module, relativePath: relative, attributes: attributes, existsRemotely: true)
            temporary = true
        }
        file.lock.lock()
        defer { file.lock.unlock() }
        if file.committed && !module.fileOverwrite && size != file.attributes.size {
            let message = "module \(module.name): file_overwrite = false, refusing to truncate existing \(module.key(relative))"
            logger.warning("\(message)")
            throw FSError(EPERM, message)
        }
        try truncateLocked(file, to: size)
        if temporary {
            defer { file.closeStaging() }
            try uploadLocked(file)
        }
    }

    /// Caller holds `file.lock`.
    private func truncateLocked(_ file: OpenFile, to size: UInt64) throws(FSError) {
        if size == 0 {
            file.partial = nil
            if file.stagingDescriptor < 0 { try startStaging(file, loaded: true) }
            file.loaded = true
        } else {
            try ensureLoaded(file)
        }
        try detachFromJournal(file)
        if ftruncate(file.stagingDescriptor, off_t(size)) != 0 {
            throw FSError(EIO, "module \(file.module.name): cannot truncate the local copy of \(file.key): \(String(cString: strerror(errno)))")
        }
        file.attributes.size = size
        file.attributes.mtime = Timestamp.now()
        file.attributes.ctime = file.attributes.mtime
        file.dirty = true
    }

    /// Creates the staging file. Caller holds `file.lock`.
    private func startStaging(_ file: OpenFile, loaded: Bool) throws(FSError) {
        do {
            let staged = try cacheDirectory.makeStagingFile()
            file.stagingPath = staged.path
            file.stagingDescriptor = staged.descriptor
            file.loaded = loaded
        } catch {
            throw FSError(EIO, "module \(file.module.name): cannot create a staging file in \(cacheDirectory.staging): \(error)")
        }
    }

    /// Makes the staging file hold the whole object (downloaded once). Caller holds `file.lock`.
    func ensureLoaded(_ file: OpenFile) throws(FSError) {
        if file.loaded && file.stagingDescriptor >= 0 { return }
        if let partial = file.partial, file.stagingDescriptor >= 0 {
            try fillPartial(file, 0..<partial.baseSize)
            file.partial = nil
            file.loaded = true
            return
        }
        if file.stagingDescriptor < 0 { try startStaging(file, loaded: false) }
        guard file.existsRemotely, file.attributes.size > 0 else {
            file.loaded = true
            return
        }
        let writer = StagingWriter(descriptor: file.stagingDescriptor)
        do {
            let info = try file.module.store.getObject(bucket: file.module.bucket, key: file.key, range: nil,
                                                       ifMatch: file.remoteETag) { writer.write($0) }
            file.remoteETag = info.etag
        } catch {
            throw FSError.from(error, module: file.module.name, key: file.key)
        }
        if let failure = writer.failure {
            throw FSError(EIO, "module \(file.module.name): cannot fill the local copy of \(file.key): \(failure)")
        }
        file.attributes.size = writer.written
        file.loaded = true
    }

    /// Makes the file writable locally. A large object is not downloaded first: its staging
    /// file starts sparse, holding only what is written (and later read), so that its upload
    /// can copy the unchanged ranges on the server. Caller holds `file.lock`.
    private func prepareForWrite(_ file: OpenFile) throws(FSError) {
        if file.stagingDescriptor < 0, !file.loaded, file.existsRemotely, fetcher != nil,
           file.attributes.size >= max(options.multipartThreshold, 5 << 20),
           let etag = file.remoteETag, !etag.isEmpty {
            try startStaging(file, loaded: false)
            if ftruncate(file.stagingDescriptor, off_t(file.attributes.size)) != 0 {
                throw FSError(EIO, "module \(file.module.name): cannot size the local copy of \(file.key): \(String(cString: strerror(errno)))")
            }
            file.partial = PartialCopy(baseETag: etag, baseSize: file.attributes.size)
            return
        }
        if file.partial == nil { try ensureLoaded(file) }
        try detachFromJournal(file)
    }

    /// Downloads the bytes of `range` a partial copy lacks (from its base version). Caller
    /// holds `file.lock`.
    func fillPartial(_ file: OpenFile, _ range: Range<UInt64>) throws(FSError) {
        guard var partial = file.partial else { return }
        let wanted = range.lowerBound..<min(range.upperBound, partial.baseSize, file.attributes.size)
        guard !wanted.isEmpty else { return }
        for gap in partial.present.missing(in: wanted) {
            let writer = StagingWriter(descriptor: file.stagingDescriptor, offset: gap.lowerBound)
            do {
                try file.module.store.getObject(bucket: file.module.bucket, key: file.key, range: gap,
                                                ifMatch: partial.baseETag) { writer.write($0) }
            } catch {
                throw FSError.from(error, module: file.module.name, key: file.key)
            }
            if let failure = writer.failure {
                throw FSError(EIO, "module \(file.module.name): cannot fill the local copy of \(file.key): \(failure)")
            }
            partial.present.insert(gap)
        }
        file.partial = partial
    }

    /// Uploads the file if it has changes. Caller holds `file.lock`.
    func uploadLocked(_ file: OpenFile) throws(FSError) {
        guard file.dirty, !file.unlinked else { return }
        if let partial = file.partial, file.stagingDescriptor >= 0, let path = file.stagingPath {
            let etag = try uploadPartial(file.module, key: file.key, path: path, size: file.attributes.size,
                                         metadata: file.attributes.metadata, partial: partial)
            file.remoteETag = etag
            file.attributes.etag = etag
            file.partial = PartialCopy(baseETag: etag, baseSize: file.attributes.size, present: partial.present)
        } else if file.stagingDescriptor < 0 || !file.loaded {
            // Only attributes changed: rewrite the metadata on the server.
            try replaceMetadata(file.module, file.key, attributes: file.attributes)
        } else {
            let etag = try upload(file.module, key: file.key, path: file.stagingPath!, size: file.attributes.size,
                                  metadata: file.attributes.metadata)
            file.remoteETag = etag
            file.attributes.etag = etag
        }
        file.existsRemotely = true
        file.dirty = false
        noteCreated(file.path, file.attributes)
    }

    /// `flush` (each close of a descriptor): hands pending changes over, so that `close()`
    /// reports failures: to the upload journal (write-back), or to S3.
    public func flush(_ id: UInt64) throws(FSError) {
        let file = try handle(id).file
        file.lock.lock()
        defer { file.lock.unlock() }
        try commitLocked(file)
    }

    /// `fsync`: returns once the file is in S3.
    public func fsync(_ id: UInt64) throws(FSError) {
        try flush(id)
        if isWriteBack { try waitForUploads(of: try handle(id).file) }
    }

    /// `release` (the last close of a handle): hands over what is still pending and forgets
    /// the handle; the open file goes once nothing holds it.
    public func release(_ id: UInt64) throws(FSError) {
        guard let file = table.withLock({ table -> OpenFile? in
            guard let handle = table.handles.removeValue(forKey: id) else { return nil }
            handle.file.openCount -= 1
            return handle.file
        }) else { return }
        file.lock.lock()
        do {
            try commitLocked(file)
        } catch {
            // Keep the data: the file stays open in smartfs (served locally, retried at unmount),
            // its staging file on disk, and the log says where.
            logger.error("could not hand over the data after the last close; it is kept in the cache directory", metadata: [
                "module": "\(file.module.name)", "key": "\(file.key)", "staging_file": "\(file.stagingPath ?? "-")",
                "error": "\(error.reason)"])
            file.lock.unlock()
            throw error
        }
        file.lock.unlock()
        retireIfIdle(file)
    }

    // MARK: Attributes

    /// `chmod`.
    public func chmod(_ path: String, mode: UInt32) throws(FSError) {
        try changeAttributes(path) { $0.permissions = mode & 0o7777 }
    }

    /// `chown`; `nil` leaves that id as it is.
    public func chown(_ path: String, uid: UInt32?, gid: UInt32?) throws(FSError) {
        try changeAttributes(path) { attributes in
            if let uid { attributes.uid = uid }
            if let gid { attributes.gid = gid }
        }
    }

    /// `utimens`; `nil` leaves that time as it is.
    public func utimens(_ path: String, atime: Timestamp?, mtime: Timestamp?) throws(FSError) {
        try changeAttributes(path) { attributes in
            if let atime { attributes.atime = atime }
            if let mtime { attributes.mtime = mtime }
        }
    }

    /// Applies an attribute change: in place on an open file (uploaded with it), else by
    /// rewriting the object's metadata on the server. Allowed even where file_overwrite is
    /// false: the data does not change.
    private func changeAttributes(_ path: String, _ change: (inout FileAttributes) -> Void) throws(FSError) {
        let (module, relative) = try writableEntry(path)
        try waitForUploads(path)
        if let open = table.withLock({ $0.files[path] }) {
            open.lock.lock()
            defer { open.lock.unlock() }
            change(&open.attributes)
            open.attributes.ctime = Timestamp.now()
            if open.dirty || !open.existsRemotely { return }
            try replaceMetadata(module, open.key, attributes: open.attributes)
            attributeCache.set(path, open.attributes)
            return
        }
        var attributes = try getattr(path)
        change(&attributes)
        attributes.ctime = Timestamp.now()
        let key = module.key(relative)
        if attributes.kind == .directory {
            try writeDirectoryMarker(module, key + "/", attributes: attributes)
        } else {
            try replaceMetadata(module, key, attributes: attributes)
        }
        attributeCache.set(path, attributes)
    }

    /// Rewrites an object's metadata with a copy onto itself (what s3fs does too).
    func replaceMetadata(_ module: MountedModule, _ key: String, attributes: FileAttributes) throws(FSError) {
        do {
            let info = try module.store.headObject(bucket: module.bucket, key: key)
            var options = module.writeOptions
            options.contentType = info.contentType ?? contentTypes.type(for: key)
            options.cacheControl = info.cacheControl ?? module.writeOptions.cacheControl
            var metadata = info.metadata
            for (name, value) in attributes.metadata { metadata[name] = value }
            options.metadata = metadata
            if info.size <= S3Client.maxSinglePartSize {
                try module.store.copyObject(sourceBucket: module.bucket, sourceKey: key, bucket: module.bucket, key: key,
                                            options: options, replaceMetadata: true)
            } else {
                try copyObject(from: module, key, to: module, key, size: info.size, metadata: metadata)
            }
        } catch let error as S3Error {
            throw FSError.from(error, module: module.name, key: key)
        } catch let error as FSError {
            throw error
        } catch {
            throw FSError(EIO, "\(error)")
        }
    }

    /// Writes (or rewrites) a directory's marker object with its attributes.
    private func writeDirectoryMarker(_ module: MountedModule, _ key: String, attributes: FileAttributes) throws(FSError) {
        var options = module.writeOptions
        options.contentType = "application/x-directory"
        options.metadata = attributes.metadata
        do {
            try module.store.putObject(bucket: module.bucket, key: key, body: .empty, options: options)
        } catch {
            throw FSError.from(error, module: module.name, key: key)
        }
    }

    /// Uploads every file with pending changes (on unmount or SIGTERM), waiting for the
    /// background uploads too; gives up on uploads that keep failing for `patience` seconds
    /// (they stay in the journal for the next mount). Returns the failures.
    public func flushAll(patience: Double = 30) -> [FSError] {
        let files = table.withLock { Array($0.files.values) }
        var failures: [FSError] = []
        for file in files {
            file.lock.lock()
            do {
                try commitLocked(file)
            } catch {
                failures.append(error)
            }
            file.lock.unlock()
        }
        if isWriteBack {
            for task in uploads.drain(giveUpAfter: patience) {
                failures.append(FSError(EIO, "module \(task.entry.module): \(task.entry.key) is not uploaded yet (\(task.lastError ?? "pending")); it stays in the upload journal for the next mount"))
            }
        }
        return failures
    }
}
