import Foundation

/// Content-Type from a file name: a built-in table of the common web types, then
/// `/etc/mime.types` when present, else `application/octet-stream`.
public struct ContentTypes: Sendable {
    private let table: [String: String]

    public static let fallback = "application/octet-stream"

    public init(mimeTypesFile: String? = "/etc/mime.types") {
        var table: [String: String] = [:]
        if let mimeTypesFile, let text = try? String(contentsOfFile: mimeTypesFile, encoding: .utf8) {
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard fields.count > 1 else { continue }
                for ext in fields.dropFirst() { table[ext.lowercased()] = String(fields[0]) }
            }
        }
        // The built-in table wins: these are the types browsers need for assets served from a bucket.
        for (ext, type) in Self.builtin { table[ext] = type }
        self.table = table
    }

    /// The type for `name` (a file name or key).
    public func type(for name: String) -> String {
        let base = name.split(separator: "/").last.map(String.init) ?? name
        guard let dot = base.lastIndex(of: "."), dot != base.startIndex else { return Self.fallback }
        return table[base[base.index(after: dot)...].lowercased()] ?? Self.fallback
    }

    static let builtin: [String: String] = [
        "html": "text/html", "htm": "text/html", "css": "text/css", "js": "text/javascript", "mjs": "text/javascript",
        "json": "application/json", "map": "application/json", "xml": "application/xml", "txt": "text/plain",
        "csv": "text/csv", "md": "text/markdown", "svg": "image/svg+xml", "png": "image/png", "jpg": "image/jpeg",
        "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp", "avif": "image/avif", "ico": "image/x-icon",
        "bmp": "image/bmp", "tif": "image/tiff", "tiff": "image/tiff", "woff": "font/woff", "woff2": "font/woff2",
        "ttf": "font/ttf", "otf": "font/otf", "eot": "application/vnd.ms-fontobject", "pdf": "application/pdf",
        "zip": "application/zip", "gz": "application/gzip", "tgz": "application/gzip", "tar": "application/x-tar",
        "bz2": "application/x-bzip2", "xz": "application/x-xz", "7z": "application/x-7z-compressed",
        "mp3": "audio/mpeg", "ogg": "audio/ogg", "wav": "audio/wav", "m4a": "audio/mp4", "flac": "audio/flac",
        "mp4": "video/mp4", "webm": "video/webm", "mov": "video/quicktime", "avi": "video/x-msvideo",
        "wasm": "application/wasm", "webmanifest": "application/manifest+json", "doc": "application/msword",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls": "application/vnd.ms-excel", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt": "application/vnd.ms-powerpoint",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "odt": "application/vnd.oasis.opendocument.text", "rtf": "application/rtf", "sql": "application/sql",
        "yaml": "application/yaml", "yml": "application/yaml", "toml": "application/toml", "sh": "application/x-sh",
    ]
}
