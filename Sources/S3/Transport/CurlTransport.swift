import CCurl
import CShims
import Foundation
import Synchronization

/// Timeouts and TLS settings of the libcurl transport.
public struct TransportOptions: Sendable {
    /// Seconds allowed to open a connection.
    public var connectTimeout: Double = 10
    /// A transfer that moves fewer than 1 byte a second for this many seconds is abandoned.
    public var stallTimeout: Double = 30
    /// Verify server certificates on HTTPS (on unless the user says `--insecure`).
    public var verifyTLS: Bool = true
    /// A CA bundle to use instead of the system's.
    public var caBundle: String?
    /// Idle connections kept for reuse.
    public var maxIdleHandles: Int = 32

    public init() {}
}

/// HTTP over libcurl easy handles, kept in a pool so connections are reused (keep-alive).
/// Calls block the calling thread; they are made from FUSE threads or the upload workers.
public final class CurlTransport: HTTPTransport {
    private let options: TransportOptions
    private let idle = Mutex<[EasyHandle]>([])

    private static let globalInit: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        return true
    }()

    public init(options: TransportOptions = TransportOptions()) {
        _ = Self.globalInit
        self.options = options
    }

    deinit {
        for handle in idle.withLock({ $0 }) { curl_easy_cleanup(handle.pointer) }
    }

    public func send(_ request: HTTPRequest, sink: BodySink?) throws(TransportError) -> HTTPResponse {
        let handle = checkout()
        var healthy = false
        defer { checkin(handle, healthy: healthy) }

        let context = TransferContext(body: request.body, sink: sink)
        let unmanaged = Unmanaged.passRetained(context)
        defer { unmanaged.release() }
        let userdata = unmanaged.toOpaque()

        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        for (name, value) in request.headers {
            headerList = curl_slist_append(headerList, "\(name): \(value)")
        }
        // No "Expect: 100-continue" round trip, and no default Content-Type / Accept.
        for suppressed in ["Expect:", "Content-Type:", "Accept:"]
        where !request.headers.contains(where: { $0.name.lowercased() + ":" == suppressed.lowercased() }) {
            headerList = curl_slist_append(headerList, suppressed)
        }

        smartfs_curl_setopt_string(handle, CURLOPT_URL, request.url)
        smartfs_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        smartfs_curl_setopt_long(handle, CURLOPT_PATH_AS_IS, 1)
        smartfs_curl_setopt_long(handle, CURLOPT_TCP_NODELAY, 1)
        smartfs_curl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
        smartfs_curl_setopt_long(handle, CURLOPT_BUFFERSIZE, 512 << 10)
        smartfs_curl_setopt_long(handle, CURLOPT_UPLOAD_BUFFERSIZE, 1 << 20)
        smartfs_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(options.connectTimeout * 1000))
        smartfs_curl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1)
        smartfs_curl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, max(1, Int(options.stallTimeout)))
        smartfs_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, options.verifyTLS ? 1 : 0)
        smartfs_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, options.verifyTLS ? 2 : 0)
        if let bundle = options.caBundle { smartfs_curl_setopt_string(handle, CURLOPT_CAINFO, bundle) }
        smartfs_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headerList))
        smartfs_curl_setopt_callback(handle, CURLOPT_HEADERFUNCTION, headerCallback)
        smartfs_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, userdata)
        smartfs_curl_setopt_callback(handle, CURLOPT_WRITEFUNCTION, writeCallback)
        smartfs_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, userdata)

        let length = curl_off_t(request.body.length)
        switch request.method {
        case "GET":
            smartfs_curl_setopt_long(handle, CURLOPT_HTTPGET, 1)
        case "HEAD":
            smartfs_curl_setopt_long(handle, CURLOPT_NOBODY, 1)
        case "PUT":
            smartfs_curl_setopt_long(handle, CURLOPT_UPLOAD, 1)
            smartfs_curl_setopt_offset(handle, CURLOPT_INFILESIZE_LARGE, length)
        case "POST":
            smartfs_curl_setopt_long(handle, CURLOPT_POST, 1)
            smartfs_curl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, length)
        default:
            smartfs_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
        }
        if request.method == "PUT" || request.method == "POST" {
            smartfs_curl_setopt_callback(handle, CURLOPT_READFUNCTION, readCallback)
            smartfs_curl_setopt_pointer(handle, CURLOPT_READDATA, userdata)
        }

        let code = curl_easy_perform(handle)
        if let failure = context.bodyError {
            throw TransportError(kind: .send, message: failure)
        }
        guard code == CURLE_OK else {
            if code == CURLE_WRITE_ERROR && context.sinkAborted {
                throw TransportError(kind: .aborted, message: "transfer aborted by the receiver")
            }
            throw TransportError(kind: Self.kind(of: code), message: Self.describe(code, url: request.url))
        }
        var status = 0
        smartfs_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        healthy = true
        return HTTPResponse(status: status, headers: context.headers, body: context.collected)
    }

    private func checkout() -> UnsafeMutableRawPointer {
        if let handle = idle.withLock({ $0.popLast() }) {
            curl_easy_reset(handle.pointer)
            return handle.pointer
        }
        return curl_easy_init()
    }

    private func checkin(_ handle: UnsafeMutableRawPointer, healthy: Bool) {
        let kept = healthy && idle.withLock { handles -> Bool in
            guard handles.count < options.maxIdleHandles else { return false }
            handles.append(EasyHandle(pointer: handle))
            return true
        }
        if !kept { curl_easy_cleanup(handle) }
    }

    static func kind(of code: CURLcode) -> TransportError.Kind {
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: .connect
        case CURLE_OPERATION_TIMEDOUT: .timeout
        case CURLE_SEND_ERROR, CURLE_READ_ERROR, CURLE_ABORTED_BY_CALLBACK: .send
        case CURLE_RECV_ERROR, CURLE_PARTIAL_FILE, CURLE_GOT_NOTHING, CURLE_WRITE_ERROR: .receive
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE: .tls
        default: .other
        }
    }

    static func describe(_ code: CURLcode, url: String) -> String {
        let text = String(cString: curl_easy_strerror(code))
        // Name the server, never the query (it may hold an upload id, never a secret, but keep it short).
        let host = url.split(separator: "?").first.map(String.init) ?? url
        return "\(text) (curl \(code.rawValue)) talking to \(host)"
    }
}

/// A libcurl easy handle; used by one thread at a time (it is checked out of the pool).
private struct EasyHandle: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
}

/// State shared with the C callbacks of one transfer.
private final class TransferContext {
    var source: BodySource
    let sink: BodySink?
    var headers: [String: String] = [:]
    var collected: [UInt8] = []
    var status = 0
    var sinkAborted = false
    var bodyError: String?

    init(body: RequestBody, sink: BodySink?) {
        self.source = BodySource(body)
        self.sink = sink
    }

    func receiveHeader(_ line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("HTTP/") {
            // A new response (after a 100 Continue, say): start over.
            headers = [:]
            let parts = trimmed.split(separator: " ")
            status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            return
        }
        guard let colon = trimmed.firstIndex(of: ":") else { return }
        let name = trimmed[..<colon].lowercased()
        let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        headers[name] = value
    }

    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if let sink, (200..<300).contains(status) {
            if !sink(bytes) { sinkAborted = true; return false }
            return true
        }
        collected.append(contentsOf: bytes)
        return true
    }
}

/// Reads a request body in pieces for curl's read callback.
private struct BodySource {
    let body: RequestBody
    var position: UInt64 = 0
    var descriptor: Int32 = -1

    init(_ body: RequestBody) { self.body = body }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let remaining = body.length - position
        let wanted = Int(min(UInt64(buffer.count), remaining))
        guard wanted > 0 else { return 0 }
        switch body {
        case .empty:
            return 0
        case .bytes(let bytes):
            bytes.withUnsafeBytes { source in
                buffer.baseAddress!.copyMemory(from: source.baseAddress! + Int(position), byteCount: wanted)
            }
            position += UInt64(wanted)
            return wanted
        case .file(let path, let offset, _):
            if descriptor < 0 {
                descriptor = open(path, O_RDONLY | O_CLOEXEC)
                if descriptor < 0 { throw BodyReadError(message: "cannot open \(path): \(String(cString: strerror(errno)))") }
            }
            let count = pread(descriptor, buffer.baseAddress, wanted, off_t(offset + position))
            if count < 0 { throw BodyReadError(message: "cannot read \(path): \(String(cString: strerror(errno)))") }
            if count == 0 { throw BodyReadError(message: "\(path) is shorter than expected") }
            position += UInt64(count)
            return count
        }
    }

    func close() {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
    }
}

private struct BodyReadError: Error { var message: String }

private let headerCallback: smartfs_curl_data_callback = { buffer, size, count, userdata in
    let context = Unmanaged<TransferContext>.fromOpaque(userdata!).takeUnretainedValue()
    let length = size * count
    let line = String(decoding: UnsafeRawBufferPointer(start: buffer, count: length), as: UTF8.self)
    context.receiveHeader(line)
    return length
}

private let writeCallback: smartfs_curl_data_callback = { buffer, size, count, userdata in
    let context = Unmanaged<TransferContext>.fromOpaque(userdata!).takeUnretainedValue()
    let length = size * count
    return context.receiveBody(UnsafeRawBufferPointer(start: buffer, count: length)) ? length : 0
}

private let readCallback: smartfs_curl_data_callback = { buffer, size, count, userdata in
    let context = Unmanaged<TransferContext>.fromOpaque(userdata!).takeUnretainedValue()
    do {
        let read = try context.source.read(into: UnsafeMutableRawBufferPointer(start: buffer, count: size * count))
        if context.source.position >= context.source.body.length { context.source.close() }
        return read
    } catch {
        context.source.close()
        context.bodyError = (error as? BodyReadError)?.message ?? "\(error)"
        return smartfs_curl_readfunc_abort()
    }
}
