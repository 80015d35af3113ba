import Cache
import Foundation
import Logging
import S3
import Synchronization

/// Who is making a call: the calling process's ids, from the FUSE request.
public struct Caller: Sendable {
    public var uid: UInt32
    public var gid: UInt32

    public init(uid: UInt32, gid: UInt32) {
        self.uid = uid
        self.gid = gid
    }
}

/// A name in a directory listing, with its type and, when the listing told them, its size and times.
public struct DirectoryEntry: Sendable, Equatable {
    public var name: String
    public var attributes: FileAttributes
}

/// Space figures for `statfs`.
public struct FileSystemStats: Sendable {
    public var blockSize: UInt64 = 4096
    public var blocks: UInt64 = 1 << 40
    public var freeBlocks: UInt64 = 1 << 40
    public var files: UInt64 = 1 << 32
    public var freeFiles: UInt64 = 1 << 32
    public var nameMax: UInt64 = 255
}

/// Tunables of the filesystem layer.
public struct FileSystemOptions: Sendable {
    /// Seconds that stat results and listings are trusted.
    public var metadataTTL: Double = 5
    /// Seconds that "does not exist" is trusted.
    public var negativeTTL: Double = 1
    /// Files larger than this are uploaded as multipart uploads.
    public var multipartThreshold: UInt64 = 64 << 20
    /// Smallest multipart part; grows so that no object needs more than 10,000 parts.
    public var partSize: UInt64 = 16 << 20
    /// Parts or objects transferred at once in one multipart upload, copy or rename.
    public var transferConcurrency: Int = 8
    /// Refuse every write (the `--read-only` flag), whatever the modules say.
    public var readOnly = false
    /// Write-back: `close()` returns once the data is journaled on local disk, and uploads run
    /// in the background. Off, `close()` uploads before it returns.
    public var writeBack = false
    /// Background upload workers (write-back).
    public var uploadWorkers = 8
    /// The cache directory's bound: blocks read are evicted to stay under it, and writers
    /// wait while more than this many bytes are waiting to be uploaded.
    public var maxCacheBytes: UInt64 = 10 << 30

    public init() {}
}

/// The filesystem: path -> module -> bucket/key, POSIX operations on S3 objects, handles and
/// errno. Knows nothing of FUSE; every method blocks the calling thread until S3 answered.
public final class SmartFileSystem: Sendable {
    public let modules: [MountedModule]
    let modulesByName: [String: MountedModule]
    let owner: OwnershipDefaults
    let options: FileSystemOptions
    let cacheDirectory: CacheDirectory
    let contentTypes: ContentTypes
    let logger: Logger
    let mountTime = Timestamp.now()
    let attributeCache: TTLCache<FileAttributes>
    let listingCache: TTLCache<[DirectoryEntry]>
    let prefetcher = AttributePrefetcher()
    let table = Mutex(OpenTable())
    /// The upload journal (write-back only).
    let journal: UploadJournal?
    let uploads: UploadQueue
    /// Reads of objects through the block cache.
    let fetcher: BlockFetcher?

    struct OpenTable {
        var files: [String: OpenFile] = [:]
        var handles: [UInt64: Handle] = [:]
        var nextHandle: UInt64 = 1
    }

    public init(modules: [MountedModule], cacheDirectory: CacheDirectory, options: FileSystemOptions = FileSystemOptions(),
                owner: OwnershipDefaults = OwnershipDefaults(), contentTypes: ContentTypes = ContentTypes(),
                logger: Logger = Logger(label: "smartfs.fs")) {
        self.modules = modules
        self.modulesByName = Dictionary(modules.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.owner = owner
        self.options = options
        self.cacheDirectory = cacheDirectory
        self.contentTypes = contentTypes
        self.logger = logger
        self.attributeCache = TTLCache(ttl: options.metadataTTL, negativeTTL: min(options.negativeTTL, options.metadataTTL))
        self.listingCache = TTLCache(ttl: options.metadataTTL, negativeTTL: 0)
        var journal: UploadJournal?
        if options.writeBack {
            do {
                journal = try UploadJournal(directory: cacheDirectory.journal)
            } catch {
                logger.error("cannot open the upload journal; uploading on close instead", metadata: ["error": "\(error)"])
            }
        }
        self.journal = journal
        let uploads = UploadQueue(workers: options.uploadWorkers, logger: logger)
        self.uploads = uploads
        let limit = options.maxCacheBytes
        do {
            let cache = try BlockCache(directory: cacheDirectory.root + "/blocks") { [uploads] in
                let pending = uploads.pendingBytes
                return limit > pending ? limit - pending : 0
            }
            self.fetcher = BlockFetcher(cache: cache, logger: logger)
        } catch {
            logger.error("cannot open the block cache; reading straight from S3", metadata: ["error": "\(error)"])
            self.fetcher = nil
        }
        uploads.performer = self
    }

    // MARK: Paths

    /// Where a path points.
    enum Location {
        case root
        case moduleRoot(MountedModule)
        case entry(MountedModule, String)
    }

    /// Maps an absolute mount path (`/media/a/b.txt`) to its module and relative path.
    func locate(_ path: String) throws(FSError) -> Location {
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        guard let first = components.first else { return .root }
        guard let module = modulesByName[String(first)] else {
            throw FSError(ENOENT, "no module named '\(first)'")
        }
        if components.count == 1 { return .moduleRoot(module) }
        for component in components where component.utf8.count > 255 {
            throw FSError(ENAMETOOLONG, "module \(module.name): name longer than 255 bytes")
        }
        let relative = components.dropFirst().joined(separator: "/")
        if module.key(relative).utf8.count > S3Client.maxKeyLength {
            throw FSError(ENAMETOOLONG, "module \(module.name): key \(module.key(relative)) is longer than S3's 1,024 bytes")
        }
        return .entry(module, relative)
    }

    func entry(_ path: String) throws(FSError) -> (MountedModule, String) {
        let components = path.split(separator: "/")
        if components.count == 1, modulesByName[String(components[0])] == nil {
            throw FSError(EPERM, "the root holds only the configured modules; cannot create, remove or rename '\(components[0])' there")
        }
        switch try locate(path) {
        case .root: throw FSError(EPERM, "the root lists the modules and cannot be changed")
        case .moduleRoot(let module): throw FSError(EPERM, "module \(module.name): a module's own directory cannot be removed, renamed or replaced")
        case .entry(let module, let relative): return (module, relative)
        }
    }

    func writableEntry(_ path: String) throws(FSError) -> (MountedModule, String) {
        let (module, relative) = try entry(path)
        try checkWritable(module, relative)
        return (module, relative)
    }

    func checkWritable(_ module: MountedModule, _ relative: String) throws(FSError) {
        if options.readOnly || module.readOnly {
            throw FSError(EROFS, "module \(module.name): read-only, refusing to change \(module.key(relative))")
        }
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    static func name(of path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? ""
    }

    static func join(_ directory: String, _ name: String) -> String {
        directory == "/" ? "/" + name : directory + "/" + name
    }

    func invalidate(_ path: String) {
        attributeCache.remove(path)
        listingCache.remove(Self.parent(of: path))
    }

    /// Records an entry this mount just created or changed: its attributes, and its place in
    /// the parent's cached listing (kept, so that the next lookup in that directory need not
    /// ask S3).
    func noteCreated(_ path: String, _ attributes: FileAttributes) {
        attributeCache.set(path, attributes)
        let name = Self.name(of: path)
        listingCache.update(Self.parent(of: path)) { entries in
            if let index = entries.firstIndex(where: { $0.name == name }) {
                entries[index].attributes = attributes
            } else {
                entries.append(DirectoryEntry(name: name, attributes: attributes))
            }
        }
    }

    /// Records that this mount just removed an entry.
    func noteRemoved(_ path: String) {
        attributeCache.setAbsent(path)
        let name = Self.name(of: path)
        listingCache.update(Self.parent(of: path)) { entries in entries.removeAll { $0.name == name } }
    }

    func invalidateTree(_ path: String) {
        attributeCache.removeTree(path)
        listingCache.removeTree(path)
        listingCache.remove(Self.parent(of: path))
    }

    // MARK: Attributes

    func directoryAttributes(_ module: MountedModule?, mtime: Timestamp? = nil, complete: Bool = true) -> FileAttributes {
        FileAttributes(kind: .directory, permissions: module?.defaultPermissions(for: .directory) ?? 0o755,
                       uid: owner.uid, gid: owner.gid, mtime: mtime ?? mountTime, complete: complete)
    }

    /// `stat` of a path.
    public func getattr(_ path: String) throws(FSError) -> FileAttributes {
        switch try locate(path) {
        case .root:
            return directoryAttributes(nil)
        case .moduleRoot(let module):
            return directoryAttributes(module)
        case .entry(let module, let relative):
            if let open = table.withLock({ $0.files[path] }) {
                open.lock.lock()
                defer { open.lock.unlock() }
                return open.attributes
            }
            var listedAsDirectory = false
            if prefetcher.wait(path), case .hit(let attributes) = attributeCache.lookup(path), attributes.complete {
                return attributes
            }
            switch attributeCache.lookup(path) {
            case .hit(let attributes) where attributes.complete: return attributes
            case .hit(let attributes): listedAsDirectory = attributes.kind == .directory
            case .absent: throw FSError(ENOENT, "module \(module.name): no such entry \(module.key(relative))")
            case .miss: break
            }
            // A fresh listing of the parent that lacks the name answers without asking S3.
            if case .hit(let siblings) = listingCache.lookup(Self.parent(of: path)) {
                let name = Self.name(of: path)
                if !siblings.contains(where: { $0.name == name }) {
                    throw FSError(ENOENT, "module \(module.name): no such entry \(module.key(relative))")
                }
            }
            let attributes = try fetchAttributes(module, relative, path: path, directory: listedAsDirectory)
            attributeCache.set(path, attributes)
            return attributes
        }
    }

    /// Asks S3: the object itself, else a directory (a marker object or any key under the prefix).
    /// With `directory`, the parent's listing showed the name as a prefix: when a key `x` and a
    /// prefix `x/` both exist, the directory wins, as in the listing.
    func fetchAttributes(_ module: MountedModule, _ relative: String, path: String,
                                 directory: Bool = false) throws(FSError) -> FileAttributes {
        let key = module.key(relative)
        if !directory {
            do {
                let info = try module.store.headObject(bucket: module.bucket, key: key)
                return FileAttributes.fromObject(info, isDirectoryMarker: false, module: module, owner: owner)
            } catch where error.isNotFound {
            } catch {
                throw FSError.from(error, module: module.name, key: key)
            }
        }
        let page: ListPage
        do {
            page = try module.store.listObjectsV2(bucket: module.bucket, prefix: key + "/", delimiter: nil,
                                                   continuationToken: nil, startAfter: nil, maxKeys: 1)
        } catch {
            throw FSError.from(error, module: module.name, key: key + "/")
        }
        guard let first = page.objects.first ?? page.commonPrefixes.first.map({ ObjectSummary(key: $0, size: 0, etag: "") }) else {
            attributeCache.setAbsent(path)
            throw FSError(ENOENT, "module \(module.name): no such entry \(key)")
        }
        if first.key == key + "/" {
            // A directory marker: its metadata holds the directory's mode and owner.
            if let info = try? module.store.headObject(bucket: module.bucket, key: key + "/") {
                return FileAttributes.fromObject(info, isDirectoryMarker: true, module: module, owner: owner)
            }
        }
        return directoryAttributes(module, mtime: first.lastModified.map(Timestamp.init))
    }

    // MARK: Directories

    /// The names in a directory (without `.` and `..`).
    public func readdir(_ path: String) throws(FSError) -> [DirectoryEntry] {
        let location = try locate(path)
        var entries: [DirectoryEntry]
        switch location {
        case .root:
            return modules.map { DirectoryEntry(name: $0.name, attributes: directoryAttributes($0)) }
        case .moduleRoot(let module):
            entries = try listing(path, module, "")
        case .entry(let module, let relative):
            let attributes = try getattr(path)
            guard attributes.kind == .directory else {
                throw FSError(ENOTDIR, "module \(module.name): \(module.key(relative)) is not a directory")
            }
            entries = try listing(path, module, relative)
        }
        // Files being written here are not in S3 until they are closed; show them all the same.
        let pending = table.withLock { table in
            table.files.values.filter { Self.parent(of: $0.path) == path && !$0.unlinked }
        }
        var seen = Set(entries.map(\.name))
        for file in pending {
            let name = Self.name(of: file.path)
            file.lock.lock()
            let attributes = file.attributes
            file.lock.unlock()
            if seen.insert(name).inserted {
                entries.append(DirectoryEntry(name: name, attributes: attributes))
            } else if let index = entries.firstIndex(where: { $0.name == name }) {
                entries[index].attributes = attributes
            }
        }
        return entries
    }

    /// Every page of a delimited listing of the directory, as entries; cached for the TTL.
    private func listing(_ path: String, _ module: MountedModule, _ relative: String) throws(FSError) -> [DirectoryEntry] {
        if case .hit(let entries) = listingCache.lookup(path) { return entries }
        let prefix = relative.isEmpty ? module.prefix : module.key(relative) + "/"
        var entries: [DirectoryEntry] = []
        var names = Set<String>()
        var token: String?
        repeat {
            let page: ListPage
            do {
                page = try module.store.listObjectsV2(bucket: module.bucket, prefix: prefix, delimiter: "/",
                                                       continuationToken: token, startAfter: nil, maxKeys: nil)
            } catch {
                throw FSError.from(error, module: module.name, key: prefix)
            }
            for directory in page.commonPrefixes {
                let name = String(directory.dropFirst(prefix.count).dropLast())
                guard accept(name, module: module, key: directory) else { continue }
                if names.insert(name).inserted {
                    entries.append(DirectoryEntry(name: name, attributes: directoryAttributes(module, complete: false)))
                }
            }
            for object in page.objects where object.key != prefix {
                let name = String(object.key.dropFirst(prefix.count))
                guard accept(name, module: module, key: object.key) else { continue }
                // `name` and `name/` both exist: the directory wins, as it does for lookups of `name/...`.
                guard names.insert(name).inserted else { continue }
                let mtime = object.lastModified.map(Timestamp.init) ?? mountTime
                entries.append(DirectoryEntry(name: name, attributes: FileAttributes(
                    kind: .file, permissions: module.defaultPermissions(for: .file), uid: owner.uid, gid: owner.gid,
                    size: object.size, mtime: mtime, etag: object.etag, complete: false)))
            }
            token = page.isTruncated ? page.nextContinuationToken : nil
        } while token != nil
        listingCache.set(path, entries)
        var incomplete: [DirectoryEntry] = []
        for entry in entries {
            let child = Self.join(path, entry.name)
            if case .hit(let known) = attributeCache.lookup(child), known.complete, known.etag == entry.attributes.etag { continue }
            attributeCache.set(child, entry.attributes)
            incomplete.append(entry)
        }
        prefetchAttributes(of: path, module, relative, incomplete)
        return entries
    }

    /// Whether a name from a listing can be shown: not empty, `.`, `..`, nor longer than a name may be.
    private func accept(_ name: String, module: MountedModule, key: String) -> Bool {
        if name.isEmpty || name == "." || name == ".." || name.contains("/") || name.utf8.count > 255 || name.utf8.contains(0) {
            logger.info("skipping an object whose key cannot be shown as a file name",
                        metadata: ["module": "\(module.name)", "key": "\(key)"])
            return false
        }
        return true
    }

    public func statfs() -> FileSystemStats { FileSystemStats() }

    /// `access(2)`: existence, and EROFS for writes to read-only modules. Permission bits are
    /// left to the kernel (`default_permissions`).
    public func access(_ path: String, mask: Int32) throws(FSError) {
        _ = try getattr(path)
        if mask & W_OK != 0, case .entry(let module, let relative) = try locate(path) {
            try checkWritable(module, relative)
        }
    }
}
