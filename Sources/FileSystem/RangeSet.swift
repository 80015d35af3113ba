/// A set of byte offsets as sorted, disjoint, non-adjacent half-open ranges.
struct ByteRanges: Sendable, Equatable, Codable {
    private(set) var ranges: [Range<UInt64>] = []

    init(_ ranges: [Range<UInt64>] = []) {
        for range in ranges { insert(range) }
    }

    var isEmpty: Bool { ranges.isEmpty }

    mutating func insert(_ range: Range<UInt64>) {
        guard !range.isEmpty else { return }
        var lower = range.lowerBound
        var upper = range.upperBound
        var kept: [Range<UInt64>] = []
        for existing in ranges {
            if existing.upperBound < lower || existing.lowerBound > upper {
                kept.append(existing)
            } else {
                lower = min(lower, existing.lowerBound)
                upper = max(upper, existing.upperBound)
            }
        }
        kept.append(lower..<upper)
        ranges = kept.sorted { $0.lowerBound < $1.lowerBound }
    }

    /// Keeps only what lies below `limit`.
    mutating func clip(to limit: UInt64) {
        ranges = ranges.compactMap { range in
            range.lowerBound >= limit ? nil : range.lowerBound..<min(range.upperBound, limit)
        }
    }

    func intersects(_ range: Range<UInt64>) -> Bool {
        ranges.contains { $0.overlaps(range) }
    }

    /// The parts of `range` not in the set.
    func missing(in range: Range<UInt64>) -> [Range<UInt64>] {
        var gaps: [Range<UInt64>] = []
        var cursor = range.lowerBound
        for existing in ranges where existing.upperBound > cursor && existing.lowerBound < range.upperBound {
            if existing.lowerBound > cursor { gaps.append(cursor..<existing.lowerBound) }
            cursor = max(cursor, existing.upperBound)
        }
        if cursor < range.upperBound { gaps.append(cursor..<range.upperBound) }
        return gaps
    }
}
