import Foundation

/// Stat results fetched ahead: when a directory is listed from S3, the attributes of its
/// entries (mode, owner and times live in each object's metadata, which listings do not carry)
/// are fetched in the background, several at once, because `ls -l`, `find -ls`, `rsync` and
/// `du` stat every entry next. A stat that arrives while its fetch is under way waits for it
/// rather than asking again.
final class AttributePrefetcher: @unchecked Sendable {
    private let condition = NSCondition()
    private var inFlight: Set<String> = []

    /// Listings longer than this are not fetched ahead (the cost would outweigh the gain).
    static let maxEntries = 1000
    static let concurrency = 8

    /// Claims the paths not already being fetched, and returns them.
    func claim(_ paths: [String]) -> [String] {
        condition.lock()
        defer { condition.unlock() }
        let claimed = paths.filter { !inFlight.contains($0) }
        inFlight.formUnion(claimed)
        return claimed
    }

    func release(_ path: String) {
        condition.lock()
        inFlight.remove(path)
        condition.broadcast()
        condition.unlock()
    }

    /// Waits while `path` is being fetched. Returns whether it was.
    @discardableResult
    func wait(_ path: String) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        var waited = false
        while inFlight.contains(path) {
            waited = true
            condition.wait()
        }
        return waited
    }
}

extension SmartFileSystem {
    /// Starts fetching the attributes of a fresh listing's entries in the background.
    func prefetchAttributes(of directory: String, _ module: MountedModule, _ relative: String, _ entries: [DirectoryEntry]) {
        guard !entries.isEmpty, entries.count <= AttributePrefetcher.maxEntries else { return }
        let paths = prefetcher.claim(entries.filter { !$0.attributes.complete }.map { Self.join(directory, $0.name) })
        guard !paths.isEmpty else { return }
        let thread = Thread { [self] in
            runConcurrently(paths, limit: AttributePrefetcher.concurrency) { path in
                defer { self.prefetcher.release(path) }
                guard case .entry(let module, let relative)? = try? self.locate(path),
                      case .hit(let known) = self.attributeCache.lookup(path), !known.complete else { return }
                if let attributes = try? self.fetchAttributes(module, relative, path: path, directory: known.kind == .directory) {
                    self.attributeCache.set(path, attributes)
                }
            }
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
}
