// SPDX-License-Identifier: MIT
#include "httprequestparser.h"

#include <algorithm>
#include <cstring>

#include "server/net/httpsyntax.h"

namespace Drawbridge {

namespace {

constexpr int maxLeadingEmptyLines = 8;
constexpr qsizetype compactThreshold = 64 * 1024;
constexpr int maxChunkSizeDigits = 15; // < 2^60: no overflow, far above any body limit

bool isToken(QByteArrayView v)
{
    return !v.isEmpty() && std::all_of(v.begin(), v.end(), [](char c) { return HttpSyntax::isTokenChar(c); });
}

inline bool isFieldValueChar(char c)
{
    const auto u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u != 0x7f);
}

bool isOws(char c)
{
    return c == ' ' || c == '\t';
}

QByteArrayView trimmedOws(QByteArrayView v)
{
    qsizetype b = 0;
    qsizetype e = v.size();
    while (b < e && isOws(v[b]))
        ++b;
    while (e > b && isOws(v[e - 1]))
        --e;
    return v.sliced(b, e - b);
}

/**
 * Whether an origin-form @p target is a path QUrl would hand back unchanged: '/' and unreserved characters
 * only, so nothing to decode, no query and no dot segment. Almost every API request's target is one, and this
 * saves parsing a URL per request.
 */
bool isPlainPath(QByteArrayView target)
{
    char prev = '/';
    for (qsizetype i = 0; i < target.size(); ++i) {
        const char c = target[i];
        if (c == '.' && prev == '/') {
            // "." or ".." as a whole segment is left to QUrl.
            const qsizetype end = target.indexOf('/', i);
            const qsizetype len = (end < 0 ? target.size() : end) - i;
            if (len == 1 || (len == 2 && target[i + 1] == '.'))
                return false;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/'
              || c == '-' || c == '.' || c == '_' || c == '~'))
            return false;
        prev = c;
    }
    return true;
}

/** host[:port]: a reg-name or IPv4 of unreserved characters, or an [IPv6] literal; the port 1–5 digits. */
bool validAuthority(QByteArrayView a)
{
    if (a.isEmpty())
        return false;
    qsizetype hostEnd = 0;
    if (a[0] == '[') {
        while (hostEnd < a.size() && a[hostEnd] != ']')
            ++hostEnd;
        if (hostEnd >= a.size() || hostEnd < 3)
            return false;
        for (qsizetype i = 1; i < hostEnd; ++i) {
            const char c = a[i];
            if (HttpSyntax::hexValue(c) < 0 && c != ':' && c != '.')
                return false;
        }
        ++hostEnd;
    } else {
        while (hostEnd < a.size() && a[hostEnd] != ':') {
            const char c = a[hostEnd];
            const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || HttpSyntax::isDigit(c)
                || c == '-' || c == '.' || c == '_' || c == '~';
            if (!ok)
                return false;
            ++hostEnd;
        }
        if (hostEnd == 0)
            return false;
    }
    if (hostEnd == a.size())
        return true;
    if (a[hostEnd] != ':')
        return false;
    const QByteArrayView port = a.sliced(hostEnd + 1);
    if (port.isEmpty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), HttpSyntax::isDigit))
        return false;
    return port.toByteArray().toInt() <= 65535;
}

/** Calls @p f with each trimmed element of a comma-separated list field; false if @p f says so. */
template<typename F> bool forEachListElement(QByteArrayView v, F f)
{
    qsizetype start = 0;
    for (qsizetype i = 0; i <= v.size(); ++i) {
        if (i == v.size() || v[i] == ',') {
            const QByteArrayView element = trimmedOws(v.sliced(start, i - start));
            if (!element.isEmpty() && !f(element))
                return false;
            start = i + 1;
        }
    }
    return true;
}

} // namespace

QUrl HttpServerRequest::url() const
{
    if (target.startsWith('/'))
        return QUrl::fromEncoded("http://localhost" + target);
    return QUrl::fromEncoded(target);
}

HttpRequestParser::HttpRequestParser(const Limits &limits) : m_limits(limits) { }

void HttpRequestParser::append(QByteArrayView bytes)
{
    m_buffer.append(bytes.data(), bytes.size());
}

void HttpRequestParser::adopt(QByteArray &&bytes)
{
    if (m_pos == m_buffer.size()) {
        m_buffer = std::move(bytes);
        m_pos = 0;
        return;
    }
    m_buffer.append(bytes);
}

char *HttpRequestParser::bodySpace(qsizetype &room)
{
    room = 0;
    if (m_state != State::Body || m_pos != m_buffer.size() || m_remaining <= 0)
        return nullptr;
    QByteArray &body = m_request.bodyBytes;
    const qsizetype size = body.size();
    // finishHead() reserved the whole body (and simdjson's padding), so this does not reallocate.
    body.resize(size + qsizetype(m_remaining));
    room = qsizetype(m_remaining);
    return body.data() + size;
}

void HttpRequestParser::bodyWritten(qint64 written)
{
    QByteArray &body = m_request.bodyBytes;
    const qint64 kept = std::clamp<qint64>(written, 0, m_remaining);
    body.resize(body.size() - qsizetype(m_remaining - kept));
    m_remaining -= kept;
    if (m_remaining == 0)
        m_state = State::Complete;
}

bool HttpRequestParser::readingBody() const
{
    switch (m_state) {
    case State::Body:
    case State::ChunkSize:
    case State::ChunkData:
    case State::ChunkDataEnd:
    case State::Trailers:
        return true;
    default:
        return false;
    }
}

HttpRequestParser::Status HttpRequestParser::fail(int status, const QString &message)
{
    m_state = State::Failed;
    m_errorStatus = status;
    m_errorMessage = message;
    return Status::Error;
}

void HttpRequestParser::compact()
{
    if (m_pos == m_buffer.size()) {
        m_buffer.clear();
        m_pos = 0;
    } else if (m_pos >= compactThreshold || m_pos * 2 >= m_buffer.size()) {
        m_buffer.remove(0, m_pos);
        m_pos = 0;
    }
}

HttpRequestParser::Line HttpRequestParser::nextLine(qsizetype limit, int tooLongStatus, const char *what,
                                                    QByteArrayView &line)
{
    const qsizetype available = m_buffer.size() - m_pos;
    const qsizetype scan = std::min(available, limit);
    const char *begin = m_buffer.constData() + m_pos;
    const char *nl = static_cast<const char *>(memchr(begin, '\n', size_t(scan)));
    if (!nl) {
        // A CR must be followed by LF; refuse a bare CR without waiting for more input.
        const char *cr = static_cast<const char *>(memchr(begin, '\r', size_t(scan)));
        if (cr && cr + 1 < begin + scan) {
            fail(400, QStringLiteral("bare CR in the %1").arg(QLatin1String(what)));
            return Line::Error;
        }
        if (available >= limit) {
            fail(tooLongStatus,
                 QStringLiteral("%1 longer than %2 bytes").arg(QLatin1String(what)).arg(limit));
            return Line::Error;
        }
        return Line::NeedMore;
    }
    const qsizetype length = nl - begin;
    if (length == 0 || begin[length - 1] != '\r') {
        fail(400, QStringLiteral("bare LF in the %1 (lines end with CRLF)").arg(QLatin1String(what)));
        return Line::Error;
    }
    line = QByteArrayView(begin, length - 1);
    if (memchr(line.data(), '\r', size_t(line.size()))) {
        fail(400, QStringLiteral("bare CR in the %1").arg(QLatin1String(what)));
        return Line::Error;
    }
    m_pos += length + 1;
    return Line::Ok;
}

bool HttpRequestParser::parseRequestLine(QByteArrayView line)
{
    qsizetype sp1 = -1;
    qsizetype sp2 = -1;
    for (qsizetype i = 0; i < line.size(); ++i) {
        if (line[i] != ' ')
            continue;
        if (sp1 < 0) {
            sp1 = i;
        } else if (sp2 < 0) {
            sp2 = i;
        } else {
            fail(400, QStringLiteral("malformed request line"));
            return false;
        }
    }
    if (sp1 <= 0 || sp2 <= sp1 + 1 || sp2 == line.size() - 1) {
        fail(400, QStringLiteral("malformed request line"));
        return false;
    }
    const QByteArrayView method = line.first(sp1);
    const QByteArrayView target = line.sliced(sp1 + 1, sp2 - sp1 - 1);
    const QByteArrayView version = line.sliced(sp2 + 1);
    if (!isToken(method)) {
        fail(400, QStringLiteral("malformed method"));
        return false;
    }
    if (version.size() != 8 || !version.startsWith(QByteArrayView("HTTP/"))
        || !HttpSyntax::isDigit(version[5]) || version[6] != '.' || !HttpSyntax::isDigit(version[7])) {
        fail(400, QStringLiteral("malformed HTTP version"));
        return false;
    }
    if (version[5] != '1') {
        fail(505, QStringLiteral("only HTTP/1.0 and HTTP/1.1 are supported"));
        return false;
    }
    for (const char c : target) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || c == '#') {
            fail(400, QStringLiteral("invalid character in the request target"));
            return false;
        }
    }
    m_request.method = method.toByteArray();
    m_request.target = target.toByteArray();
    m_request.minorVersion = version[7] == '0' ? 0 : 1;

    static const QByteArray base = QByteArrayLiteral("http://drawbridge.invalid");
    if (target[0] == '/') {
        m_request.path = isPlainPath(target) ? QString::fromLatin1(target)
                                             : QUrl::fromEncoded(base + m_request.target).path();
        return true;
    }
    if (target == QByteArrayView("*")) {
        if (method != QByteArrayView("OPTIONS")) {
            fail(400, QStringLiteral("the asterisk target is only for OPTIONS"));
            return false;
        }
        m_request.path = QStringLiteral("*");
        return true;
    }
    qsizetype schemeEnd = 0;
    if (target.size() > 7 && HttpSyntax::equalsIgnoreCase(target.first(7), "http://"))
        schemeEnd = 7;
    else if (target.size() > 8 && HttpSyntax::equalsIgnoreCase(target.first(8), "https://"))
        schemeEnd = 8;
    if (schemeEnd == 0) {
        fail(400, QStringLiteral("unsupported request target form"));
        return false;
    }
    qsizetype authorityEnd = schemeEnd;
    while (authorityEnd < target.size() && target[authorityEnd] != '/' && target[authorityEnd] != '?')
        ++authorityEnd;
    const QByteArrayView authority = target.sliced(schemeEnd, authorityEnd - schemeEnd);
    if (!validAuthority(authority)) {
        fail(400, QStringLiteral("invalid authority in the request target"));
        return false;
    }
    m_request.authority = authority.toByteArray();
    QByteArray rest = target.sliced(authorityEnd).toByteArray();
    if (!rest.startsWith('/'))
        rest.prepend('/');
    m_request.path = QUrl::fromEncoded(base + rest).path();
    return true;
}

bool HttpRequestParser::parseFieldLine(QByteArrayView line, bool trailer)
{
    if (isOws(line[0])) {
        fail(400, QStringLiteral("obsolete line folding is not accepted"));
        return false;
    }
    const qsizetype colon = line.indexOf(':');
    if (colon < 0 || !isToken(line.first(colon))) {
        fail(400, QStringLiteral("malformed header field name"));
        return false;
    }
    const QByteArrayView value = trimmedOws(line.sliced(colon + 1));
    if (!std::all_of(value.begin(), value.end(), [](char c) { return isFieldValueChar(c); })) {
        fail(400, QStringLiteral("invalid character in a header field value"));
        return false;
    }
    if (++m_fieldCount > m_limits.maxHeaderCount) {
        fail(431, QStringLiteral("more than %1 header fields").arg(m_limits.maxHeaderCount));
        return false;
    }
    if (!trailer) {
        if (m_request.headers.isEmpty())
            m_request.headers.reserve(24, 1024); // an SDK's usual fields, in one allocation each
        m_request.headers.append(line.first(colon), value);
    }
    return true;
}

HttpRequestParser::Status HttpRequestParser::finishHead()
{
    HttpServerRequest &r = m_request;
    const bool http11 = r.minorVersion >= 1;
    int hosts = 0;
    int lengths = 0;
    QByteArrayView host; // views into r.headers, which outlive this function
    QByteArrayView length;
    QByteArray transferEncoding;
    bool hasTransferEncoding = false;
    bool closeToken = false;
    bool keepAliveToken = false;
    for (qsizetype i = 0; i < r.headers.size(); ++i) {
        const HttpHeaders::Field h = r.headers.at(i);
        if (HttpHeaders::nameEquals(h.name, "host")) {
            ++hosts;
            host = h.value;
        } else if (HttpHeaders::nameEquals(h.name, "content-length")) {
            ++lengths;
            length = h.value;
        } else if (HttpHeaders::nameEquals(h.name, "transfer-encoding")) {
            if (hasTransferEncoding)
                transferEncoding += ',';
            transferEncoding += h.value;
            hasTransferEncoding = true;
        } else if (HttpHeaders::nameEquals(h.name, "connection")) {
            forEachListElement(h.value, [&](QByteArrayView t) {
                closeToken |= HttpSyntax::equalsIgnoreCase(t, "close");
                keepAliveToken |= HttpSyntax::equalsIgnoreCase(t, "keep-alive");
                return true;
            });
        }
    }

    if (hosts > 1)
        return fail(400, QStringLiteral("more than one Host header field"));
    if (hosts == 0 && http11)
        return fail(400, QStringLiteral("HTTP/1.1 requests need a Host header field"));
    if (hosts == 1 && !validAuthority(host))
        return fail(400, QStringLiteral("invalid Host header field (expected host[:port])"));
    // An absolute-form target's authority wins over Host (RFC 9112 §3.2.2).
    if (r.authority.isEmpty())
        r.authority = host.toByteArray();

    if (lengths > 1)
        return fail(400, QStringLiteral("more than one Content-Length header field"));
    if (hasTransferEncoding) {
        if (!http11)
            return fail(400, QStringLiteral("Transfer-Encoding in an HTTP/1.0 request"));
        if (lengths > 0)
            return fail(400, QStringLiteral("both Content-Length and Transfer-Encoding"));
        int chunked = 0;
        bool unknown = false;
        bool malformed = false;
        int codings = 0;
        forEachListElement(transferEncoding, [&](QByteArrayView t) {
            ++codings;
            if (!isToken(t))
                malformed = true;
            else if (HttpSyntax::equalsIgnoreCase(t, "chunked"))
                ++chunked;
            else
                unknown = true;
            return true;
        });
        if (malformed || codings == 0)
            return fail(400, QStringLiteral("malformed Transfer-Encoding"));
        if (unknown)
            return fail(501, QStringLiteral("unsupported transfer coding (only chunked is implemented)"));
        if (chunked > 1)
            return fail(400, QStringLiteral("chunked applied more than once"));
        r.chunked = true;
        r.contentLength = -1;
    } else if (lengths == 1) {
        if (length.isEmpty() || length.size() > 18
            || !std::all_of(length.begin(), length.end(), HttpSyntax::isDigit))
            return fail(400, QStringLiteral("invalid Content-Length"));
        r.contentLength = length.toLongLong();
        if (r.contentLength > m_limits.maxBodyBytes)
            return fail(413,
                        QStringLiteral("Request body of %1 bytes exceeds the limit of %2 bytes "
                                       "(server.max_body_mb).")
                            .arg(r.contentLength)
                            .arg(m_limits.maxBodyBytes));
    }

    const QByteArrayView expect = r.value("expect");
    if (!expect.isNull()) {
        if (!HttpSyntax::equalsIgnoreCase(trimmedOws(expect), "100-continue"))
            return fail(417, QStringLiteral("unsupported expectation"));
        r.expectContinue = http11 && (r.chunked || r.contentLength > 0);
    }
    r.keepAlive = http11 ? !closeToken : (keepAliveToken && !closeToken);

    m_fieldBytes = 0;
    m_fieldCount = 0;
    if (r.chunked) {
        m_state = State::ChunkSize;
    } else if (r.contentLength > 0) {
        m_remaining = r.contentLength;
        // 64 bytes more: the JSON reader (simdjson) then parses the body in place instead of copying it.
        r.bodyBytes.reserve(r.contentLength + 64);
        m_state = State::Body;
    } else {
        m_state = State::Complete;
    }
    return Status::HeadComplete;
}

HttpRequestParser::Status HttpRequestParser::parse()
{
    for (;;) {
        QByteArrayView line;
        switch (m_state) {
        case State::RequestLine: {
            const Line l = nextLine(m_limits.maxRequestLineBytes + 2, 414, "request line", line);
            if (l == Line::NeedMore) {
                compact();
                return Status::NeedMore;
            }
            if (l == Line::Error)
                return Status::Error;
            if (line.isEmpty()) {
                if (++m_emptyLines > maxLeadingEmptyLines)
                    return fail(400, QStringLiteral("too many empty lines before the request line"));
                continue;
            }
            if (!parseRequestLine(line))
                return Status::Error;
            m_state = State::Headers;
            continue;
        }
        case State::Headers:
        case State::Trailers: {
            const bool trailer = m_state == State::Trailers;
            const Line l = nextLine(m_limits.maxHeaderBytes - m_fieldBytes + 2, 431,
                                    trailer ? "trailer section" : "header section", line);
            if (l == Line::NeedMore) {
                compact();
                return Status::NeedMore;
            }
            if (l == Line::Error)
                return Status::Error;
            m_fieldBytes += line.size() + 2;
            if (line.isEmpty()) {
                if (trailer) {
                    m_state = State::Complete;
                    continue;
                }
                return finishHead();
            }
            if (!parseFieldLine(line, trailer))
                return Status::Error;
            continue;
        }
        case State::Body:
        case State::ChunkData: {
            const qint64 n = std::min<qint64>(m_remaining, m_buffer.size() - m_pos);
            if (n == 0) {
                compact();
                return Status::NeedMore;
            }
            QByteArray &body = m_request.bodyBytes;
            if (body.capacity() < body.size() + n) {
                // Grow geometrically, but never past the body limit.
                const qint64 want = std::max<qint64>(body.size() + n, qint64(body.capacity()) * 2);
                body.reserve(qsizetype(std::min<qint64>(want, m_limits.maxBodyBytes)));
            }
            body.append(m_buffer.constData() + m_pos, qsizetype(n));
            m_pos += qsizetype(n);
            m_remaining -= n;
            if (m_remaining == 0)
                m_state = m_state == State::Body ? State::Complete : State::ChunkDataEnd;
            continue;
        }
        case State::ChunkDataEnd: {
            if (m_buffer.size() - m_pos < 2) {
                if (m_buffer.size() - m_pos == 1 && m_buffer[m_pos] != '\r')
                    return fail(400, QStringLiteral("chunk data not followed by CRLF"));
                compact();
                return Status::NeedMore;
            }
            if (m_buffer[m_pos] != '\r' || m_buffer[m_pos + 1] != '\n')
                return fail(400, QStringLiteral("chunk data not followed by CRLF"));
            m_pos += 2;
            m_state = State::ChunkSize;
            continue;
        }
        case State::ChunkSize: {
            const Line l = nextLine(m_limits.maxChunkLineBytes + 2, 400, "chunk size line", line);
            if (l == Line::NeedMore) {
                compact();
                return Status::NeedMore;
            }
            if (l == Line::Error)
                return Status::Error;
            qsizetype i = 0;
            qint64 size = 0;
            while (i < line.size() && HttpSyntax::hexValue(line[i]) >= 0) {
                if (i >= maxChunkSizeDigits)
                    return fail(400, QStringLiteral("chunk size too long"));
                size = size * 16 + HttpSyntax::hexValue(line[i]);
                ++i;
            }
            if (i == 0)
                return fail(400, QStringLiteral("invalid chunk size"));
            if (i < line.size()) {
                qsizetype j = i;
                while (j < line.size() && isOws(line[j]))
                    ++j;
                if (j == line.size() || line[j] != ';')
                    return fail(400, QStringLiteral("invalid chunk size"));
                const QByteArrayView ext = line.sliced(j + 1);
                if (!std::all_of(ext.begin(), ext.end(), isFieldValueChar))
                    return fail(400, QStringLiteral("invalid chunk extension"));
            }
            if (size == 0) {
                m_state = State::Trailers;
                continue;
            }
            if (size > m_limits.maxBodyBytes - m_request.bodyBytes.size())
                return fail(413,
                            QStringLiteral("Chunked request body exceeds the limit of %1 bytes "
                                           "(server.max_body_mb).")
                                .arg(m_limits.maxBodyBytes));
            m_remaining = size;
            m_state = State::ChunkData;
            continue;
        }
        case State::Complete:
            return Status::MessageComplete;
        case State::Failed:
            return Status::Error;
        }
    }
}

HttpServerRequest HttpRequestParser::takeRequest()
{
    HttpServerRequest r = std::move(m_request);
    m_request = HttpServerRequest();
    m_state = State::RequestLine;
    m_fieldBytes = 0;
    m_fieldCount = 0;
    m_emptyLines = 0;
    m_remaining = 0;
    compact();
    return r;
}

} // namespace Drawbridge
