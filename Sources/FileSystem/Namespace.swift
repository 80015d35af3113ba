import Foundation
import S3

/// Creating, removing and renaming names: directories are key prefixes (with an optional
/// `dir/` marker object), files and symlinks are objects.
extension SmartFileSystem {
    /// `mkdir`: writes the marker object `dir/` carrying the directory's mode and owner.
    public func mkdir(_ path: String, mode: UInt32, caller: Caller) throws(FSError) {
        let (module, relative) = try writableEntry(path)
        if (try? getattr(path)) != nil {
            throw FSError(EEXIST, "module \(module.name): \(module.key(relative)) already exists")
        }
        let now = Timestamp.now()
        let attributes = FileAttributes(kind: .directory, permissions: mode, uid: caller.uid, gid: caller.gid, mtime: now)
        var options = module.writeOptions
        options.contentType = "application/x-directory"
        options.metadata = attributes.metadata
        let key = module.key(relative) + "/"
        do {
            try module.store.putObject(bucket: module.bucket, key: key, body: .empty, options: options)
        } catch {
            throw FSError.from(error, module: module.name, key: key)
        }
        noteCreated(path, attributes)
        listingCache.set(path, [])  // nothing was under the prefix: it did not exist
    }

    /// `rmdir`: ENOTEMPTY while anything lies under the prefix; removes the marker.
    public func rmdir(_ path: String) throws(FSError) {
        let (module, relative) = try writableEntry(path)
        let attributes = try getattr(path)
        guard attributes.kind == .directory else {
            throw FSError(ENOTDIR, "module \(module.name): \(module.key(relative)) is not a directory")
        }
        let prefix = module.key(relative) + "/"
        let page: ListPage
        do {
            page = try module.store.listObjectsV2(bucket: module.bucket, prefix: prefix, delimiter: nil,
                                                   continuationToken: nil, startAfter: nil, maxKeys: 2)
        } catch {
            throw FSError.from(error, module: module.name, key: prefix)
        }
        let pendingInside = table.withLock { $0.files.keys.contains { $0.hasPrefix(path + "/") } }
        if pendingInside || page.objects.contains(where: { $0.key != prefix }) {
            throw FSError(ENOTEMPTY, "module \(module.name): \(prefix) is not empty")
        }
        do {
            try module.store.deleteObject(bucket: module.bucket, key: prefix)
        } catch {
            throw FSError.from(error, module: module.name, key: prefix)
        }
        invalidateTree(path)
        noteRemoved(path)
    }

    /// `unlink`: deletes the object. Handles still open on it keep working on their copy, and
    /// nothing is uploaded when they close.
    public func unlink(_ path: String) throws(FSError) {
        let (module, relative) = try writableEntry(path)
        let key = module.key(relative)
        let attributes = try getattr(path)
        if attributes.kind == .directory {
            throw FSError(EISDIR, "module \(module.name): \(key) is a directory")
        }
        if let pending = table.withLock({ $0.files[path] }), isWriteBack {
            // Versions not uploaded yet are dropped; one being uploaded is waited for, then deleted.
            for entry in uploads.cancel(pending) { journal?.remove(entry.id) }
            _ = uploads.wait(for: pending)
        }
        let open = table.withLock { $0.files.removeValue(forKey: path) }
        var existsRemotely = true
        if let open {
            open.lock.lock()
            if open.openCount > 0 && open.existsRemotely && !open.loaded {
                // Programs that still have it open keep reading it: take a local copy first.
                do throws(FSError) {
                    try ensureLoaded(open)
                } catch {
                    open.lock.unlock()
                    table.withLock { $0.files[path] = open }
                    throw error
                }
            }
            open.unlinked = true
            existsRemotely = open.existsRemotely
            open.dirty = false
            open.lock.unlock()
        }
        if existsRemotely {
            do {
                try module.store.deleteObject(bucket: module.bucket, key: key)
            } catch {
                throw FSError.from(error, module: module.name, key: key)
            }
        }
        noteRemoved(path)
    }

    /// `symlink`: an object whose body is the target and whose mode says S_IFLNK (as s3fs does).
    public func symlink(target: String, at path: String, caller: Caller) throws(FSError) {
        let (module, relative) = try writableEntry(path)
        if (try? getattr(path)) != nil {
            throw FSError(EEXIST, "module \(module.name): \(module.key(relative)) already exists")
        }
        let now = Timestamp.now()
        let attributes = FileAttributes(kind: .symlink, permissions: 0o777, uid: caller.uid, gid: caller.gid,
                                        size: UInt64(target.utf8.count), mtime: now)
        var options = module.writeOptions
        options.contentType = "application/octet-stream"
        options.metadata = attributes.metadata
        let key = module.key(relative)
        do {
            try module.store.putObject(bucket: module.bucket, key: key, body: .bytes(Array(target.utf8)), options: options)
        } catch {
            throw FSError.from(error, module: module.name, key: key)
        }
        noteCreated(path, attributes)
    }

    /// `readlink`: the symlink object's body.
    public func readlink(_ path: String) throws(FSError) -> String {
        let (module, relative) = try entry(path)
        let attributes = try getattr(path)
        guard attributes.kind == .symlink else {
            throw FSError(EINVAL, "module \(module.name): \(module.key(relative)) is not a symbolic link")
        }
        let key = module.key(relative)
        do {
            let (bytes, _) = try getAll(module, key)
            return String(decoding: bytes, as: UTF8.self)
        } catch {
            throw FSError.from(error, module: module.name, key: key)
        }
    }

    func getAll(_ module: MountedModule, _ key: String) throws(S3Error) -> ([UInt8], ObjectInfo) {
        let buffer = ByteAccumulator()
        let info = try module.store.getObject(bucket: module.bucket, key: key, range: nil, ifMatch: nil) { bytes in
            buffer.bytes.append(contentsOf: bytes)
            return true
        }
        return (buffer.bytes, info)
    }

    /// `link`: S3 has no hard links.
    public func link(_ path: String, to newPath: String) throws(FSError) {
        throw FSError(EPERM, "hard links are not supported: S3 objects have one name each (\(path) -> \(newPath))")
    }

    // MARK: Rename

    /// `rename`: a server-side copy then a delete, for a file or every object under a
    /// directory; across modules too. Not atomic for directories (see docs/semantics.md).
    public func rename(_ from: String, to: String, noReplace: Bool = false, exchange: Bool = false) throws(FSError) {
        if exchange { throw FSError(EINVAL, "rename with RENAME_EXCHANGE is not supported") }
        let (sourceModule, sourceRelative) = try writableEntry(from)
        let (targetModule, targetRelative) = try writableEntry(to)
        if from == to { return }
        // Uploads still running for either side land first, so the copy sees the latest data.
        try waitForUploads(from)
        try waitForUploads(under: from)
        try waitForUploads(to)
        if to.hasPrefix(from + "/") {
            throw FSError(EINVAL, "cannot move \(from) into itself")
        }
        let source = try getattr(from)
        var target: FileAttributes?
        do {
            target = try getattr(to)
        } catch where error.errno == ENOENT {
            target = nil
        }
        if let target {
            if noReplace { throw FSError(EEXIST, "module \(targetModule.name): \(targetModule.key(targetRelative)) exists") }
            switch (source.kind == .directory, target.kind == .directory) {
            case (false, true): throw FSError(EISDIR, "module \(targetModule.name): \(targetModule.key(targetRelative)) is a directory")
            case (true, false): throw FSError(ENOTDIR, "module \(targetModule.name): \(targetModule.key(targetRelative)) is not a directory")
            case (true, true):
                if try !readdir(to).isEmpty {
                    throw FSError(ENOTEMPTY, "module \(targetModule.name): \(targetModule.key(targetRelative)) is not empty")
                }
            case (false, false):
                if !targetModule.fileOverwrite {
                    let message = "module \(targetModule.name): file_overwrite = false, refusing to replace \(targetModule.key(targetRelative))"
                    logger.warning("\(message)")
                    throw FSError(EPERM, message)
                }
            }
        }
        if source.kind == .directory {
            try renameDirectory(from: from, sourceModule, sourceRelative, to: to, targetModule, targetRelative, targetExists: target != nil)
        } else {
            try renameFile(from: from, sourceModule, sourceRelative, to: to, targetModule, targetRelative, attributes: source)
        }
    }

    private func renameFile(from: String, _ sourceModule: MountedModule, _ sourceRelative: String,
                            to: String, _ targetModule: MountedModule, _ targetRelative: String,
                            attributes: FileAttributes) throws(FSError) {
        let sourceKey = sourceModule.key(sourceRelative)
        let open = table.withLock { $0.files[from] }
        if let open {
            open.lock.lock()
            defer { open.lock.unlock() }
            if open.dirty || !open.existsRemotely {
                // Not (fully) in S3 yet: the pending upload simply goes to the new name. A partial
                // copy overlays the object at the old name, so it is completed first.
                if open.partial != nil { try ensureLoaded(open) }
                let existed = open.existsRemotely
                if existed {
                    try deleteObject(sourceModule, sourceKey)
                }
                try moveOpenFile(open, to: to, targetModule, targetRelative)
                open.existsRemotely = false
                open.remoteETag = nil
                open.dirty = true
                noteRemoved(from)
                noteCreated(to, open.attributes)
                return
            }
        }
        // Other user metadata travels too; the POSIX attributes as this mount knows them win.
        var metadata = try metadataForCopy(sourceModule, sourceKey)
        for (name, value) in attributes.metadata { metadata[name] = value }
        try copyObject(from: sourceModule, sourceKey, to: targetModule, targetModule.key(targetRelative),
                       size: attributes.size, metadata: metadata)
        try deleteObject(sourceModule, sourceKey)
        if let open {
            open.lock.lock()
            try? moveOpenFile(open, to: to, targetModule, targetRelative)
            open.remoteETag = nil
            open.lock.unlock()
        }
        noteRemoved(from)
        invalidate(to)
    }

    /// Re-registers an open file under its new path. Caller holds `open.lock`.
    private func moveOpenFile(_ open: OpenFile, to: String, _ module: MountedModule, _ relative: String) throws(FSError) {
        table.withLock { table in
            if table.files[open.path] === open { table.files[open.path] = nil }
            table.files[to] = open
            open.path = to
        }
        open.module = module
        open.relativePath = relative
    }

    private func renameDirectory(from: String, _ sourceModule: MountedModule, _ sourceRelative: String,
                                 to: String, _ targetModule: MountedModule, _ targetRelative: String,
                                 targetExists: Bool) throws(FSError) {
        let sourcePrefix = sourceModule.key(sourceRelative) + "/"
        let targetPrefix = targetModule.key(targetRelative) + "/"
        let objects: [ObjectSummary]
        do {
            objects = try sourceModule.store.listAll(bucket: sourceModule.bucket, prefix: sourcePrefix)
        } catch {
            throw FSError.from(error, module: sourceModule.name, key: sourcePrefix)
        }
        let pending = table.withLock { table in table.files.values.filter { $0.path.hasPrefix(from + "/") } }
        if !pending.isEmpty {
            // Files still being written move with the directory, and upload under their new names.
            for open in pending {
                open.lock.lock()
                let suffix = String(open.path.dropFirst(from.count))
                try? moveOpenFile(open, to: to + suffix, targetModule, targetRelative + suffix)
                if open.existsRemotely { open.dirty = true; open.existsRemotely = false }
                open.lock.unlock()
            }
        }
        let failures = Accumulator<FSError>()
        runConcurrently(objects, limit: options.transferConcurrency) { object in
            let suffix = String(object.key.dropFirst(sourcePrefix.count))
            do throws(FSError) {
                let metadata = try self.metadataForCopy(sourceModule, object.key)
                try self.copyObject(from: sourceModule, object.key, to: targetModule, targetPrefix + suffix,
                                    size: object.size, metadata: metadata)
            } catch {
                failures.append(error)
            }
        }
        if let first = failures.items.first {
            // Nothing was deleted: the source is intact, the partial copy is left for the user to see.
            throw first
        }
        if objects.isEmpty && !targetExists {
            // An implicit directory with no objects at all: keep a marker so the new name exists.
            try? mkdir(to, mode: directoryAttributes(targetModule).permissions, caller: Caller(uid: owner.uid, gid: owner.gid))
        }
        do {
            let failed = try sourceModule.store.deleteObjects(bucket: sourceModule.bucket, keys: objects.map(\.key))
            if let failure = failed.first {
                throw FSError(EIO, "module \(sourceModule.name): could not delete \(failure.key) after copying it: S3 error \(failure.code)")
            }
        } catch let error as S3Error {
            throw FSError.from(error, module: sourceModule.name, key: sourcePrefix)
        } catch let error as FSError {
            throw error
        } catch {
            throw FSError(EIO, "\(error)")
        }
        invalidateTree(from)
        invalidateTree(to)
        noteRemoved(from)
    }

    /// The user metadata of an object, to carry over in a copy that replaces metadata.
    func metadataForCopy(_ module: MountedModule, _ key: String) throws(FSError) -> [String: String] {
        do {
            return try module.store.headObject(bucket: module.bucket, key: key).metadata
        } catch {
            throw FSError.from(error, module: module.name, key: key)
        }
    }

    func deleteObject(_ module: MountedModule, _ key: String) throws(FSError) {
        do {
            try module.store.deleteObject(bucket: module.bucket, key: key)
        } catch {
            throw FSError.from(error, module: module.name, key: key)
        }
    }
}

/// Collects values from concurrent work.
final class Accumulator<Item>: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Item] = []

    func append(_ item: Item) { lock.withLock { storage.append(item) } }
    var items: [Item] { lock.withLock { storage } }
}

/// Collects a streamed body (used from one thread at a time).
final class ByteAccumulator: @unchecked Sendable {
    var bytes: [UInt8] = []
}

/// Runs `body` over `items` with at most `limit` at once, on threads of its own (never Swift's
/// cooperative pool, and not Dispatch's either, which is sized for CPU work), and returns
/// when all are done.
func runConcurrently<T>(_ items: [T], limit: Int, _ body: @escaping (T) -> Void) {
    guard !items.isEmpty else { return }
    if items.count == 1 || limit <= 1 {
        items.forEach(body)
        return
    }
    let work = WorkList(items: items, body: body, workers: min(limit, items.count))
    for _ in 1..<work.workers {
        let thread = Thread { work.run() }
        thread.stackSize = 1 << 20
        thread.start()
    }
    work.run()
    work.waitForAll()
}

/// The shared state of `runConcurrently`'s workers.
private final class WorkList<T>: @unchecked Sendable {
    let items: [T]
    let body: (T) -> Void
    let workers: Int
    private let condition = NSCondition()
    private var next = 0
    private var running: Int

    init(items: [T], body: @escaping (T) -> Void, workers: Int) {
        self.items = items
        self.body = body
        self.workers = workers
        self.running = workers
    }

    func run() {
        while true {
            condition.lock()
            let index = next
            next += 1
            condition.unlock()
            guard index < items.count else { break }
            body(items[index])
        }
        condition.lock()
        running -= 1
        condition.broadcast()
        condition.unlock()
    }

    func waitForAll() {
        condition.lock()
        while running > 0 { condition.wait() }
        condition.unlock()
    }
}
