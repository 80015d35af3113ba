import Foundation

/// What an HTTP request sends as its body. Bodies are re-readable, so a request can be retried.
public enum RequestBody: Sendable {
    case empty
    case bytes([UInt8])
    /// `length` bytes of the file at `path`, from `offset`; read in chunks, never whole.
    case file(path: String, offset: UInt64, length: UInt64)

    public var length: UInt64 {
        switch self {
        case .empty: 0
        case .bytes(let bytes): UInt64(bytes.count)
        case .file(_, _, let length): length
        }
    }
}

/// One HTTP request, ready to send: the URL is fully encoded, the headers are signed.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: RequestBody

    public init(method: String, url: String, headers: [(name: String, value: String)], body: RequestBody = .empty) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// A received response. `body` holds the bytes that were not handed to a streaming sink
/// (error documents, XML results).
public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names are lower-case; repeated headers keep the last value.
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// A failure below HTTP: no usable response was received.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable { case connect, timeout, send, receive, tls, aborted, other }
    public var kind: Kind
    public var message: String
    public var description: String { message }
}

/// Receives a successful response's body as it arrives. Return false to abort the transfer.
public typealias BodySink = (UnsafeRawBufferPointer) -> Bool

/// Sends HTTP requests. The libcurl transport is the real one; tests may supply another.
public protocol HTTPTransport: Sendable {
    /// Sends `request`. For a 2xx response, the body goes to `sink` when one is given;
    /// otherwise (and for every other status) it is collected in `HTTPResponse.body`.
    func send(_ request: HTTPRequest, sink: BodySink?) throws(TransportError) -> HTTPResponse
}
