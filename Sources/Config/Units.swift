/// Parses a size in bytes: a plain number (`"1048576"`), or a number and a unit
/// (`"10GiB"`, `"512MiB"`, `"1G"`, `"100M"`, `"1.5 GiB"`, `"64KB"`).
///
/// Units are case-insensitive. `K`, `M`, `G`, `T`, `P` and `KiB`, `MiB`, `GiB`, `TiB`, `PiB` are powers of 1024;
/// `KB`, `MB`, `GB`, `TB`, `PB` are powers of 1000; `B` is bytes. A fractional result is rounded down.
/// Returns `nil` for anything else, for negative sizes, and for sizes that do not fit in 64 bits.
public func parseByteSize(_ s: String) -> UInt64? {
    var scanner = UnitScanner(s)
    scanner.skipSpaces()
    guard let number = scanner.number() else { return nil }
    scanner.skipSpaces()
    let unit = scanner.letters().lowercased()
    scanner.skipSpaces()
    guard scanner.isAtEnd else { return nil }

    let multiplier: UInt64
    switch unit {
    case "", "b": multiplier = 1
    case "k", "kib", "ki": multiplier = 1 << 10
    case "m", "mib", "mi": multiplier = 1 << 20
    case "g", "gib", "gi": multiplier = 1 << 30
    case "t", "tib", "ti": multiplier = 1 << 40
    case "p", "pib", "pi": multiplier = 1 << 50
    case "kb": multiplier = 1_000
    case "mb": multiplier = 1_000_000
    case "gb": multiplier = 1_000_000_000
    case "tb": multiplier = 1_000_000_000_000
    case "pb": multiplier = 1_000_000_000_000_000
    default: return nil
    }
    guard let whole = UInt64(number.integer.isEmpty ? "0" : number.integer) else { return nil }
    let (product, overflow) = whole.multipliedReportingOverflow(by: multiplier)
    guard !overflow else { return nil }
    guard !number.fraction.isEmpty, let fraction = Double("0." + number.fraction) else { return product }
    let extra = (fraction * Double(multiplier)).rounded(.down)
    let (sum, sumOverflow) = product.addingReportingOverflow(UInt64(extra))
    return sumOverflow ? nil : sum
}

/// Parses a duration in seconds: a plain number (`"5"`, `"0.5"`), or one or more numbers with units
/// (`"30s"`, `"5m"`, `"1h30m"`, `"250ms"`, `"2d"`). Units: `ms`, `s`, `m`, `h`, `d`.
/// Returns `nil` for anything else.
public func parseDuration(_ s: String) -> Double? {
    var scanner = UnitScanner(s)
    scanner.skipSpaces()
    var total = 0.0
    var components = 0
    while !scanner.isAtEnd {
        guard let number = scanner.number(), let value = number.value else { return nil }
        scanner.skipSpaces()
        let unit = scanner.letters().lowercased()
        scanner.skipSpaces()
        let seconds: Double
        switch unit {
        case "":
            // A bare number is only allowed on its own.
            guard components == 0, scanner.isAtEnd else { return nil }
            seconds = 1
        case "ms": seconds = 0.001
        case "s": seconds = 1
        case "m": seconds = 60
        case "h": seconds = 3600
        case "d": seconds = 86400
        default: return nil
        }
        total += value * seconds
        components += 1
    }
    guard components > 0, total.isFinite else { return nil }
    return total
}

/// A minimal scanner over the characters of a size or duration.
private struct UnitScanner {
    struct Number {
        var integer: String
        var fraction: String
        var value: Double? { Double((integer.isEmpty ? "0" : integer) + (fraction.isEmpty ? "" : "." + fraction)) }
    }

    private let characters: [Character]
    private var index = 0

    init(_ s: String) { characters = Array(s) }

    var isAtEnd: Bool { index == characters.count }

    mutating func skipSpaces() {
        while index < characters.count, characters[index] == " " || characters[index] == "\t" { index += 1 }
    }

    /// Digits with an optional `.` and more digits; at least one digit on each side of a `.`.
    mutating func number() -> Number? {
        let integer = digits()
        var fraction = ""
        if index < characters.count, characters[index] == "." {
            index += 1
            fraction = digits()
            guard !fraction.isEmpty else { return nil }
        }
        guard !integer.isEmpty || !fraction.isEmpty else { return nil }
        return Number(integer: integer, fraction: fraction)
    }

    mutating func letters() -> String {
        var out = ""
        while index < characters.count, characters[index].isASCII, characters[index].isLetter {
            out.append(characters[index])
            index += 1
        }
        return out
    }

    private mutating func digits() -> String {
        var out = ""
        while index < characters.count, characters[index].isASCII, characters[index].isWholeNumber {
            out.append(characters[index])
            index += 1
        }
        return out
    }
}
