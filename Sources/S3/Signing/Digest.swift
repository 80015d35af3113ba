import CCrypto
import Foundation

/// SHA-256 and HMAC-SHA256 from OpenSSL's libcrypto.
public enum Digest {
    /// SHA-256 of `bytes`.
    public static func sha256(_ bytes: some ContiguousBytes) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        bytes.withUnsafeBytes { input in
            _ = SHA256(input.baseAddress?.assumingMemoryBound(to: UInt8.self), input.count, &out)
        }
        return out
    }

    /// HMAC-SHA256 of `data` under `key`.
    public static func hmacSHA256(key: some ContiguousBytes, data: some ContiguousBytes) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        key.withUnsafeBytes { k in
            data.withUnsafeBytes { d in
                _ = HMAC(EVP_sha256(), k.baseAddress, Int32(k.count),
                         d.baseAddress?.assumingMemoryBound(to: UInt8.self), d.count, &out, &length)
            }
        }
        return Array(out.prefix(Int(length)))
    }

    /// Lower-case hexadecimal form of `bytes`.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var chars: [UInt8] = []
        chars.reserveCapacity(64)
        for byte in bytes {
            chars.append(digits[Int(byte >> 4)])
            chars.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: chars, as: UTF8.self)
    }

    /// Hex SHA-256 of the empty payload.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
}

/// Incremental SHA-256, for payloads read from files in chunks.
public struct SHA256Hasher: ~Copyable {
    private var context: OpaquePointer

    public init() {
        context = EVP_MD_CTX_new()
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        EVP_DigestUpdate(context, bytes.baseAddress, bytes.count)
    }

    public consuming func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &out, &length)
        return Array(out.prefix(Int(length)))
    }

    deinit { EVP_MD_CTX_free(context) }
}

extension Digest {
    /// MD5 of `bytes` (for the Content-MD5 header some S3 calls require).
    public static func md5(_ bytes: some ContiguousBytes) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        bytes.withUnsafeBytes { input in
            _ = EVP_Digest(input.baseAddress, input.count, &out, &length, EVP_md5(), nil)
        }
        return Array(out.prefix(Int(length)))
    }

    /// Hex SHA-256 of `length` bytes of a file from `offset`, read in 1 MiB chunks.
    public static func sha256(path: String, offset: UInt64, length: UInt64) throws -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        var hasher = SHA256Hasher()
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { chunk.deallocate() }
        var done: UInt64 = 0
        while done < length {
            let wanted = Int(min(UInt64(chunk.count), length - done))
            let count = pread(descriptor, chunk.baseAddress, wanted, off_t(offset + done))
            if count < 0 { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            if count == 0 { throw POSIXError(.EIO) }
            hasher.update(UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
            done += UInt64(count)
        }
        return hex(hasher.finalize())
    }
}
