import Foundation
import Synchronization

/// What a cache lookup found.
public enum CacheLookup<Value: Sendable>: Sendable {
    case hit(Value)
    /// Known not to exist (a negative entry), until it expires.
    case absent
    case miss
}

/// A thread-safe map whose entries expire: the metadata cache (stat results, listings,
/// negative lookups). Bounded: past `capacity`, expired entries go first, then the oldest.
public final class TTLCache<Value: Sendable>: Sendable {
    private struct Entry {
        var value: Value?
        var expires: Double
        var inserted: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var clock: UInt64 = 0
    }

    private let state = Mutex(State())
    public let ttl: Double
    public let negativeTTL: Double
    public let capacity: Int
    private let now: @Sendable () -> Double

    public init(ttl: Double, negativeTTL: Double, capacity: Int = 100_000,
                now: @escaping @Sendable () -> Double = { monotonicSeconds() }) {
        self.ttl = ttl
        self.negativeTTL = negativeTTL
        self.capacity = capacity
        self.now = now
    }

    public func lookup(_ key: String) -> CacheLookup<Value> {
        let time = now()
        return state.withLock { state in
            guard let entry = state.entries[key] else { return .miss }
            guard entry.expires > time else {
                state.entries[key] = nil
                return .miss
            }
            if let value = entry.value { return .hit(value) }
            return .absent
        }
    }

    /// Stores `value` for `ttl` seconds (or the cache's TTL).
    public func set(_ key: String, _ value: Value, ttl: Double? = nil) {
        store(key, Entry(value: value, expires: now() + (ttl ?? self.ttl), inserted: 0))
    }

    /// Records that `key` does not exist, for `negativeTTL` seconds.
    public func setAbsent(_ key: String) {
        guard negativeTTL > 0 else { return }
        store(key, Entry(value: nil, expires: now() + negativeTTL, inserted: 0))
    }

    /// Changes a cached value in place, if there is one.
    public func update(_ key: String, _ change: (inout Value) -> Void) {
        state.withLock { state in
            guard var entry = state.entries[key], var value = entry.value else { return }
            change(&value)
            entry.value = value
            state.entries[key] = entry
        }
    }

    public func remove(_ key: String) {
        _ = state.withLock { $0.entries.removeValue(forKey: key) }
    }

    /// Removes `prefix` itself and every key under `prefix + "/"`.
    public func removeTree(_ prefix: String) {
        state.withLock { state in
            state.entries[prefix] = nil
            let under = prefix.hasSuffix("/") ? prefix : prefix + "/"
            state.entries = state.entries.filter { !$0.key.hasPrefix(under) }
        }
    }

    public func removeAll() {
        state.withLock { $0.entries.removeAll() }
    }

    public var count: Int { state.withLock { $0.entries.count } }

    private func store(_ key: String, _ entry: Entry) {
        let time = now()
        state.withLock { state in
            state.clock += 1
            var entry = entry
            entry.inserted = state.clock
            state.entries[key] = entry
            guard state.entries.count > capacity else { return }
            state.entries = state.entries.filter { $0.value.expires > time }
            if state.entries.count > capacity {
                let excess = state.entries.count - capacity * 9 / 10
                for old in state.entries.sorted(by: { $0.value.inserted < $1.value.inserted }).prefix(excess) {
                    state.entries[old.key] = nil
                }
            }
        }
    }
}

/// Seconds on a clock that never goes back.
public func monotonicSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}
