/// A parsed XML element: enough of XML for S3's responses (elements, attributes, text,
/// entities, CDATA; no DTDs, no namespaces beyond keeping the `xmlns` attribute).
public struct XMLNode: Sendable, Equatable {
    public var name: String
    public var attributes: [String: String]
    public var children: [XMLNode]
    public var text: String

    public init(name: String, attributes: [String: String] = [:], children: [XMLNode] = [], text: String = "") {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.text = text
    }

    /// The first child element named `name`.
    public func child(_ name: String) -> XMLNode? { children.first { $0.name == name } }

    /// Every child element named `name`, in document order.
    public func children(_ name: String) -> [XMLNode] { children.filter { $0.name == name } }

    /// The text of the first child named `name`.
    public func value(_ name: String) -> String? { child(name)?.text }

    /// Parses a whole document and returns its root element.
    public static func parse(_ bytes: some Collection<UInt8>) throws(XMLError) -> XMLNode {
        var parser = XMLParserState(bytes: Array(bytes))
        return try parser.parseDocument()
    }
}

/// Why a document could not be parsed.
public struct XMLError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var offset: Int
    public var description: String { "malformed XML at byte \(offset): \(message)" }
}

/// Escapes text for an XML element body or attribute.
public func xmlEscape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        case "\r": out += "&#13;"
        default:
            if scalar.value < 0x20 && scalar != "\n" && scalar != "\t" {
                out += "&#\(scalar.value);"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out
}

private struct XMLParserState {
    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func parseDocument() throws(XMLError) -> XMLNode {
        skipMisc()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "<") else { throw fail("expected a root element") }
        let root = try parseElement()
        skipMisc()
        guard index == bytes.count else { throw fail("content after the root element") }
        return root
    }

    /// Skips white space, the XML declaration, processing instructions, comments and DOCTYPE.
    mutating func skipMisc() {
        while index < bytes.count {
            if isSpace(bytes[index]) { index += 1; continue }
            if starts(with: "<?") { skip(past: "?>"); continue }
            if starts(with: "<!--") { skip(past: "-->"); continue }
            if starts(with: "<!DOCTYPE") { skip(past: ">"); continue }
            return
        }
    }

    mutating func parseElement() throws(XMLError) -> XMLNode {
        index += 1  // "<"
        let name = readName()
        guard !name.isEmpty else { throw fail("expected an element name") }
        var node = XMLNode(name: name)
        while true {
            skipSpace()
            guard index < bytes.count else { throw fail("unterminated start tag <\(name)>") }
            if starts(with: "/>") { index += 2; return node }
            if bytes[index] == UInt8(ascii: ">") { index += 1; break }
            let attribute = readName()
            guard !attribute.isEmpty else { throw fail("bad attribute in <\(name)>") }
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else { throw fail("expected '=' after \(attribute)") }
            index += 1
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else {
                throw fail("expected a quoted value for \(attribute)")
            }
            let quote = bytes[index]
            index += 1
            let start = index
            while index < bytes.count, bytes[index] != quote { index += 1 }
            guard index < bytes.count else { throw fail("unterminated attribute value") }
            node.attributes[attribute] = try decodeEntities(bytes[start..<index])
            index += 1
        }
        var text: [UInt8] = []
        while true {
            guard index < bytes.count else { throw fail("missing </\(name)>") }
            if starts(with: "</") {
                index += 2
                let closing = readName()
                guard closing == name else { throw fail("</\(closing)> closes <\(name)>") }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ">") else { throw fail("bad end tag") }
                index += 1
                node.text = try decodeEntities(text[...])
                return node
            }
            if starts(with: "<![CDATA[") {
                index += 9
                let start = index
                skip(past: "]]>")
                guard index <= bytes.count, index - 3 >= start else { throw fail("unterminated CDATA") }
                text.append(contentsOf: escapeRaw(bytes[start..<(index - 3)]))
                continue
            }
            if starts(with: "<!--") { skip(past: "-->"); continue }
            if starts(with: "<?") { skip(past: "?>"); continue }
            if bytes[index] == UInt8(ascii: "<") {
                node.children.append(try parseElement())
                continue
            }
            text.append(bytes[index])
            index += 1
        }
    }

    /// CDATA content is literal: escape `&` so that entity decoding leaves it unchanged.
    func escapeRaw(_ slice: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        for byte in slice {
            if byte == UInt8(ascii: "&") { out.append(contentsOf: Array("&amp;".utf8)) } else { out.append(byte) }
        }
        return out
    }

    func decodeEntities(_ slice: ArraySlice<UInt8>) throws(XMLError) -> String {
        guard slice.contains(UInt8(ascii: "&")) else { return String(decoding: slice, as: UTF8.self) }
        var out: [UInt8] = []
        var i = slice.startIndex
        while i < slice.endIndex {
            let byte = slice[i]
            guard byte == UInt8(ascii: "&") else { out.append(byte); i += 1; continue }
            guard let end = slice[i...].firstIndex(of: UInt8(ascii: ";")) else { throw fail("unterminated entity") }
            let entity = String(decoding: slice[(i + 1)..<end], as: UTF8.self)
            switch entity {
            case "amp": out.append(UInt8(ascii: "&"))
            case "lt": out.append(UInt8(ascii: "<"))
            case "gt": out.append(UInt8(ascii: ">"))
            case "quot": out.append(UInt8(ascii: "\""))
            case "apos": out.append(UInt8(ascii: "'"))
            default:
                var code: UInt32?
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                    code = UInt32(entity.dropFirst(2), radix: 16)
                } else if entity.hasPrefix("#") {
                    code = UInt32(entity.dropFirst(), radix: 10)
                }
                guard let code, let scalar = Unicode.Scalar(code) else { throw fail("unknown entity &\(entity);") }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            }
            i = end + 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    mutating func readName() -> String {
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if isSpace(byte) || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "=") { break }
            index += 1
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    mutating func skipSpace() { while index < bytes.count, isSpace(bytes[index]) { index += 1 } }

    func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0a || byte == 0x0d
    }

    func starts(with literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        return literal.withUTF8Buffer { prefix in
            for offset in 0..<count where bytes[index + offset] != prefix[offset] { return false }
            return true
        }
    }

    /// Moves past the next occurrence of `literal`, or to the end.
    mutating func skip(past literal: StaticString) {
        while index < bytes.count {
            if starts(with: literal) { index += literal.utf8CodeUnitCount; return }
            index += 1
        }
    }

    func fail(_ message: String) -> XMLError { XMLError(message: message, offset: index) }
}
