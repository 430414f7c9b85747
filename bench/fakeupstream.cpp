// SPDX-License-Identifier: MIT
// drawbridge-bench-upstream: a lean fake Kiro upstream for scripts/bench.
//
// One thread, epoll, non-blocking sockets, HTTP/1.1 keep-alive, no Qt and no code shared with the gateway:
// the AWS event-stream frames and their CRC-32 are written here from the format description (docs:
// kiro-protocol.md §3.2-3.3), so a wrong assumption in the gateway's codec cannot hide behind the same
// assumption in its fake. Every response body is precomputed; delays and pauses are timers (a min-heap whose
// earliest deadline becomes the epoll_pwait2 timeout), never sleeps, so thousands of connections cost almost
// nothing.
//
// Delivery (--delivery, or delivery= on /_bench/mode):
//   trickle    (default) as a network delivers it: the HTTP head and every HTTP chunk (size line,
//   event-stream
//              frame, CRLF) are cut into --pieces MIN-MAX pieces per frame at random points (at least one
//              inside every frame, others anywhere, often inside the chunk-size line or the 12-byte prelude),
//              each piece its own send() on a TCP_NODELAY socket, with --pause-us MIN-MAX between pieces. The
//              cuts and pauses come from a seeded PRNG (--seed); a request whose body contains
//              "bench-stream-N" gets the schedule of stream N, so the same load run directly and through the
//              gateway sees the same schedules.
//   coalesced  the old behaviour: the whole non-streaming answer in one send(), each streamed chunk in one
//   send().
//
//   POST /refreshToken                 -> {"accessToken","refreshToken","expiresIn":3600,"profileArn"}
//   GET  /getUsageLimits               -> a small usage JSON
//   POST …/chat/completions            -> one OpenAI chat.completion (JSON, not streamed)
//   POST …/messages                    -> one Anthropic message (JSON, not streamed); these two are the
//                                         upstream of a reference gateway that forwards untranslated
//   POST /generateAssistantResponse    -> event stream: after --delay-ms, either one Content-Length body
//                                         (--chunks 0) or N chunked frames --gap-ms apart (--chunks N)
//   POST /_bench/mode?delay=D&chunks=N&gap=G[&delivery=trickle|coalesced][&pieces_min=A&pieces_max=B]
//                     [&pause_min_us=P&pause_max_us=Q][&seed=S]   -> change the mode at run time
//   GET  /_bench/stats                 -> {"requests","chat","open","peak_open","pieces","late_pieces",…}
#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <memory>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <queue>
#include <string>
#include <string_view>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace {

// ---- AWS event-stream, written from the format description ------------------------------------------------
//
// message = prelude (total length u32 BE, headers length u32 BE, CRC-32 of those 8 bytes u32 BE)
//         + headers + payload + CRC-32 of everything before it (u32 BE)
// header  = name length u8, name, value type u8 (7 = string), value length u16 BE, value
// CRC-32/ISO-HDLC: reflected polynomial 0xEDB88320, initial value and final XOR 0xFFFFFFFF.
namespace wire {

constexpr std::array<uint32_t, 256> makeCrcTable()
{
    std::array<uint32_t, 256> t {};
    for (uint32_t n = 0; n < 256; ++n) {
        uint32_t c = n;
        for (int k = 0; k < 8; ++k)
            c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        t[n] = c;
    }
    return t;
}
constexpr std::array<uint32_t, 256> kCrcTable = makeCrcTable();

constexpr uint32_t crc32(std::string_view bytes)
{
    uint32_t c = 0xFFFFFFFFu;
    for (const char ch : bytes)
        c = kCrcTable[(c ^ static_cast<unsigned char>(ch)) & 0xFFu] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}
static_assert(crc32("123456789") == 0xCBF43926u, "CRC-32/ISO-HDLC check value");
static_assert(crc32("") == 0u);

void putU32(std::string &out, uint32_t v)
{
    out.push_back(char((v >> 24) & 0xFF));
    out.push_back(char((v >> 16) & 0xFF));
    out.push_back(char((v >> 8) & 0xFF));
    out.push_back(char(v & 0xFF));
}

void stringHeader(std::string &out, std::string_view name, std::string_view value)
{
    out.push_back(char(uint8_t(name.size())));
    out.append(name);
    out.push_back(char(7)); // string
    out.push_back(char((value.size() >> 8) & 0xFF));
    out.push_back(char(value.size() & 0xFF));
    out.append(value);
}

std::string message(const std::string &headers, std::string_view payload)
{
    const size_t total = 12 + headers.size() + payload.size() + 4;
    std::string m;
    m.reserve(total);
    putU32(m, uint32_t(total));
    putU32(m, uint32_t(headers.size()));
    putU32(m, crc32(m));
    m += headers;
    m += payload;
    putU32(m, crc32(m));
    return m;
}

/** An `event` message with a JSON payload, headers in the order the service sends them. */
std::string event(std::string_view eventType, std::string_view json)
{
    std::string h;
    stringHeader(h, ":event-type", eventType);
    stringHeader(h, ":content-type", "application/json");
    stringHeader(h, ":message-type", "event");
    return message(h, json);
}

} // namespace wire

// ---- seeded PRNG (splitmix64)
// --------------------------------------------------------------------------------
struct Rng
{
    uint64_t s = 0;
    uint64_t next()
    {
        uint64_t z = (s += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    /** Uniform in [lo, hi] (hi >= lo). */
    uint64_t range(uint64_t lo, uint64_t hi) { return hi <= lo ? lo : lo + next() % (hi - lo + 1); }
};

using Clock = std::chrono::steady_clock;

struct Mode
{
    int delayMs = 0;
    int chunks = 0;
    int gapMs = 0;
    bool trickle = true;
    int piecesMin = 2; // per event-stream frame (and for the HTTP head)
    int piecesMax = 4;
    int pauseMinUs = 1000;
    int pauseMaxUs = 3000;
    uint64_t seed = 1;
};

/** One scheduled write unit: the HTTP head, or an HTTP chunk (or raw frame) holding one or more frames. */
struct Unit
{
    std::string bytes;
    std::vector<std::pair<size_t, size_t>> frames; // [offset, length] of each event-stream frame in bytes
};

struct Bodies
{
    std::vector<Unit> fullCoalesced; // one unit: head + Content-Length body
    std::vector<Unit> fullTrickle; // head, then each frame of the Content-Length body
    std::vector<Unit>
        stream; // head, then one HTTP chunk per frame; the last carries the closing frames + "0"
};

std::string httpChunkHead(size_t n)
{
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", n);
    return size;
}

std::vector<std::string> closingFrames()
{
    return { wire::event("meteringEvent", R"({"unit":"credit","unitPlural":"credits","usage":0.0125})"),
             wire::event("contextUsageEvent", R"({"contextUsagePercentage":1.5})") };
}

Bodies buildBodies(const Mode &mode)
{
    Bodies b;
    // Non-streaming answer: about 1 KB of text in three deltas, like the real service.
    const std::string sentence
        = "The quick brown fox jumps over the lazy dog while the gateway measures itself. ";
    std::vector<std::string> frames;
    for (int part = 0; part < 3; ++part) {
        std::string text;
        for (int i = 0; i < 4; ++i)
            text += sentence;
        frames.push_back(wire::event("assistantResponseEvent", "{\"content\":\"" + text + "\"}"));
    }
    for (std::string &f : closingFrames())
        frames.push_back(std::move(f));
    size_t bodySize = 0;
    for (const std::string &f : frames)
        bodySize += f.size();
    const std::string fullHead = "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.amazon.eventstream\r\n"
                                 "x-amzn-RequestId: bench\r\nContent-Length: "
        + std::to_string(bodySize) + "\r\n\r\n";
    Unit all { fullHead, {} };
    b.fullTrickle.push_back({ fullHead, {} });
    for (const std::string &f : frames) {
        all.frames.push_back({ all.bytes.size(), f.size() });
        all.bytes += f;
        b.fullTrickle.push_back({ f, { { 0, f.size() } } });
    }
    b.fullCoalesced.push_back(std::move(all));

    b.stream.push_back({ "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.amazon.eventstream\r\n"
                         "x-amzn-RequestId: bench\r\nTransfer-Encoding: chunked\r\n\r\n",
                         {} });
    for (int i = 0; i < mode.chunks; ++i) {
        std::vector<std::string> inChunk { wire::event("assistantResponseEvent",
                                                       "{\"content\":\"w" + std::to_string(i) + " \"}") };
        if (i == mode.chunks - 1)
            for (std::string &f : closingFrames())
                inChunk.push_back(std::move(f));
        size_t payload = 0;
        for (const std::string &f : inChunk)
            payload += f.size();
        Unit u { httpChunkHead(payload), {} };
        for (const std::string &f : inChunk) {
            u.frames.push_back({ u.bytes.size(), f.size() });
            u.bytes += f;
        }
        u.bytes += "\r\n";
        if (i == mode.chunks - 1)
            u.bytes += "0\r\n\r\n";
        b.stream.push_back(std::move(u));
    }
    return b;
}

const std::string kRefresh = [] {
    const std::string body
        = R"({"accessToken":"bench-access-token","refreshToken":"bench-refresh-token",)"
          R"("expiresIn":3600,"profileArn":"arn:aws:codewhisperer:us-east-1:000000000000:profile/BENCH"})";
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
        + std::to_string(body.size()) + "\r\n\r\n" + body;
}();

// The reference gateway's upstream (bench.py --reference-gateway): a provider API shaped answer to a
// non-streaming request, so that a gateway that forwards OpenAI or Anthropic requests without translating
// them (issue 18 measured Portkey this way) gets the same one-line answer the fake's event stream carries.
const std::string kOpenAiChat = [] {
    const std::string body
        = R"({"id":"chatcmpl-bench","object":"chat.completion","created":1764633600,"model":"bench",)"
          R"("choices":[{"index":0,"message":{"role":"assistant","content":"Hello from the bench fake."},)"
          R"("finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":6,"total_tokens":16}})";
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
        + std::to_string(body.size()) + "\r\n\r\n" + body;
}();

const std::string kAnthropicMessage = [] {
    const std::string body
        = R"({"id":"msg_bench","type":"message","role":"assistant","model":"bench",)"
          R"("content":[{"type":"text","text":"Hello from the bench fake."}],"stop_reason":"end_turn",)"
          R"("stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":6}})";
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
        + std::to_string(body.size()) + "\r\n\r\n" + body;
}();

const std::string kUsage = [] {
    const std::string body
        = R"({"subscriptionInfo":{"subscriptionTitle":"KIRO PRO","type":"Q_DEVELOPER_STANDALONE_PRO"},)"
          R"("usageBreakdownList":[{"resourceType":"CREDIT","currentUsage":1,"currentUsageWithPrecision":1.0,)"
          R"("usageLimit":100000,"usageLimitWithPrecision":100000.0,"nextDateReset":4102444800}],)"
          R"("nextDateReset":4102444800,"userInfo":{"email":"bench@example.invalid","userId":"bench"}})";
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
        + std::to_string(body.size()) + "\r\n\r\n" + body;
}();

std::string jsonResponse(int status, const std::string &body)
{
    return "HTTP/1.1 " + std::to_string(status) + (status == 200 ? " OK" : " Not Found")
        + "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n"
        + body;
}

enum class State { Reading, Waiting, Answering };

struct Conn
{
    int fd = -1;
    unsigned generation = 0;
    State state = State::Reading;
    std::string in;
    std::string out;
    size_t outOff = 0;
    bool wantWrite = false;
    bool closeAfter = false;
    // The answer in progress: which units, the cuts of the current unit, where we are, and the schedule.
    std::shared_ptr<const Bodies> bodies; // keeps the bodies of the mode this answer started in
    const std::vector<Unit> *units = nullptr;
    bool streamed = false;
    bool trickle = false;
    size_t unit = 0;
    size_t piece = 0;
    std::vector<size_t> cuts; // piece boundaries of the current unit: 0, …, size
    Clock::time_point answerStart;
    Clock::time_point due; // when the pending timer was meant to fire (for lateness)
    Rng rng;
};

struct Timer
{
    Clock::time_point when;
    int fd;
    unsigned generation;
    bool operator>(const Timer &o) const { return when > o.when; }
};

class Server
{
public:
    Server(Mode mode) : m_mode(mode), m_bodies(std::make_shared<Bodies>(buildBodies(mode))) { }

    int listenOn(int port)
    {
        m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int one = 1;
        ::setsockopt(m_listen, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr {};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(uint16_t(port));
        if (::bind(m_listen, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0
            || ::listen(m_listen, 4096) != 0) {
            std::perror("bind/listen");
            return -1;
        }
        socklen_t len = sizeof addr;
        ::getsockname(m_listen, reinterpret_cast<sockaddr *>(&addr), &len);
        m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
        epoll_event ev {};
        ev.events = EPOLLIN;
        ev.data.fd = m_listen;
        ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_listen, &ev);
        return ntohs(addr.sin_port);
    }

    void run()
    {
        std::vector<epoll_event> events(1024);
        for (;;) {
            timespec ts {};
            timespec *timeout = nullptr;
            if (!m_timers.empty()) {
                const auto wait = std::max(Clock::duration::zero(), m_timers.top().when - Clock::now());
                const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wait).count();
                ts.tv_sec = time_t(ns / 1'000'000'000);
                ts.tv_nsec = long(ns % 1'000'000'000);
                timeout = &ts;
            }
            const int n = ::epoll_pwait2(m_epoll, events.data(), int(events.size()), timeout, nullptr);
            if (n < 0 && errno != EINTR) {
                std::perror("epoll_pwait2");
                return;
            }
            for (int i = 0; i < n; ++i) {
                const int fd = events[i].data.fd;
                if (fd == m_listen) {
                    acceptAll();
                    continue;
                }
                Conn &c = m_conns[size_t(fd)];
                if (c.fd < 0)
                    continue;
                if (events[i].events & (EPOLLERR | EPOLLHUP)) {
                    closeConn(c);
                    continue;
                }
                if (events[i].events & EPOLLOUT)
                    flush(c);
                if (c.fd >= 0 && (events[i].events & EPOLLIN))
                    readable(c);
            }
            fireTimers();
        }
    }

private:
    void acceptAll()
    {
        for (;;) {
            const int fd = ::accept4(m_listen, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0)
                return;
            int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            if (size_t(fd) >= m_conns.size())
                m_conns.resize(size_t(fd) * 2 + 16);
            Conn &c = m_conns[size_t(fd)];
            const unsigned gen = c.generation + 1;
            c = Conn {};
            c.fd = fd;
            c.generation = gen;
            epoll_event ev {};
            ev.events = EPOLLIN | EPOLLRDHUP;
            ev.data.fd = fd;
            ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &ev);
            m_peakOpen = std::max(m_peakOpen, ++m_open);
        }
    }

    void closeConn(Conn &c)
    {
        ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, c.fd, nullptr);
        ::close(c.fd);
        c.fd = -1;
        ++c.generation; // invalidates pending timers
        c.in.clear();
        c.out.clear();
        c.bodies.reset();
        c.units = nullptr;
        --m_open;
    }

    void setWriteInterest(Conn &c, bool on)
    {
        if (c.wantWrite == on)
            return;
        c.wantWrite = on;
        epoll_event ev {};
        ev.events = EPOLLIN | EPOLLRDHUP | (on ? uint32_t(EPOLLOUT) : 0u);
        ev.data.fd = c.fd;
        ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, c.fd, &ev);
    }

    /** One send() of @p bytes; what the socket does not take waits in c.out (and then coalesces). */
    void send(Conn &c, std::string_view bytes)
    {
        if (c.outOff == c.out.size()) {
            c.out.clear();
            c.outOff = 0;
            const ssize_t w = ::send(c.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (w == ssize_t(bytes.size()))
                return;
            if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                closeConn(c);
                return;
            }
            bytes.remove_prefix(size_t(std::max<ssize_t>(0, w)));
        } else {
            ++m_backlogged; // the peer is not reading: this piece joins the unsent ones
        }
        c.out.append(bytes);
        setWriteInterest(c, true);
    }

    void flush(Conn &c)
    {
        while (c.outOff < c.out.size()) {
            const ssize_t w = ::send(c.fd, c.out.data() + c.outOff, c.out.size() - c.outOff, MSG_NOSIGNAL);
            if (w < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                    return;
                closeConn(c);
                return;
            }
            c.outOff += size_t(w);
        }
        c.out.clear();
        c.outOff = 0;
        setWriteInterest(c, false);
        if (c.closeAfter && c.state == State::Reading)
            closeConn(c);
    }

    void readable(Conn &c)
    {
        char buf[65536];
        for (;;) {
            const ssize_t r = ::recv(c.fd, buf, sizeof buf, 0);
            if (r > 0) {
                c.in.append(buf, size_t(r));
                if (size_t(r) < sizeof buf)
                    break;
                continue;
            }
            if (r == 0) {
                closeConn(c);
                return;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            closeConn(c);
            return;
        }
        processRequests(c);
    }

    static bool headerEquals(std::string_view headers, std::string_view name, std::string_view *value)
    {
        // Case-insensitive search for "\r\nName:" in the header block.
        for (size_t pos = headers.find("\r\n"); pos != std::string_view::npos;
             pos = headers.find("\r\n", pos + 2)) {
            const std::string_view line = headers.substr(pos + 2);
            if (line.size() <= name.size() || line[name.size()] != ':')
                continue;
            bool same = true;
            for (size_t i = 0; i < name.size() && same; ++i)
                same = std::tolower(static_cast<unsigned char>(line[i])) == name[i];
            if (!same)
                continue;
            std::string_view v = line.substr(name.size() + 1);
            v = v.substr(0, v.find("\r\n"));
            while (!v.empty() && v.front() == ' ')
                v.remove_prefix(1);
            *value = v;
            return true;
        }
        return false;
    }

    /** The schedule key of a chat request: N from "bench-stream-N" in its body, else a running count. */
    uint64_t streamKey(std::string_view body)
    {
        const size_t at = body.find("bench-stream-");
        if (at == std::string_view::npos)
            return 1'000'000'000ull + uint64_t(m_chat);
        return std::strtoull(std::string(body.substr(at + 13, 20)).c_str(), nullptr, 10);
    }

    void processRequests(Conn &c)
    {
        while (c.fd >= 0 && c.state == State::Reading) {
            const size_t headerEnd = c.in.find("\r\n\r\n");
            if (headerEnd == std::string::npos)
                return;
            const std::string_view headers(c.in.data(), headerEnd + 2);
            size_t total = headerEnd + 4;
            std::string_view v;
            if (headerEquals(headers, "content-length", &v)) {
                total += size_t(std::strtoull(std::string(v).c_str(), nullptr, 10));
            } else if (headerEquals(headers, "transfer-encoding", &v)) {
                const size_t end = c.in.find("\r\n0\r\n\r\n", headerEnd);
                if (end == std::string::npos)
                    return;
                total = end + 7;
            }
            if (c.in.size() < total)
                return;
            if (headerEquals(headers, "connection", &v) && (v == "close" || v == "Close"))
                c.closeAfter = true;
            const std::string_view requestLine = headers.substr(0, headers.find("\r\n"));
            const size_t sp1 = requestLine.find(' ');
            const size_t sp2 = requestLine.find(' ', sp1 + 1);
            const std::string_view target = requestLine.substr(sp1 + 1, sp2 - sp1 - 1);
            const std::string_view path = target.substr(0, target.find('?'));
            ++m_requests;
            std::string reply;
            if (path.ends_with("/generateAssistantResponse")) {
                ++m_chat;
                const std::string_view body(c.in.data() + headerEnd + 4, total - headerEnd - 4);
                c.rng.s = m_mode.seed * 0x100000001B3ull ^ streamKey(body);
                c.rng.next();
                c.bodies = m_bodies;
                c.trickle = m_mode.trickle && m_mode.piecesMax > 1;
                c.streamed = !m_bodies->stream.empty() && m_mode.chunks > 0;
                c.units = c.streamed ? &c.bodies->stream
                                     : (c.trickle ? &c.bodies->fullTrickle : &c.bodies->fullCoalesced);
                c.unit = 0;
                c.piece = 0;
                c.cuts.clear();
                c.in.erase(0, total);
                c.state = State::Waiting;
                c.answerStart = Clock::now() + std::chrono::milliseconds(m_mode.delayMs);
                if (m_mode.delayMs > 0)
                    schedule(c, c.answerStart);
                else
                    answer(c);
                continue;
            }
            if (path.ends_with("/refreshToken"))
                reply = kRefresh;
            else if (path.ends_with("/getUsageLimits"))
                reply = kUsage;
            else if (path.ends_with("/chat/completions"))
                reply = kOpenAiChat;
            else if (path.ends_with("/messages"))
                reply = kAnthropicMessage;
            else if (path == "/_bench/mode")
                reply = changeMode(target);
            else if (path == "/_bench/stats")
                reply = jsonResponse(200, statsJson());
            else
                reply = jsonResponse(404, R"({"message":"not found"})");
            c.in.erase(0, total);
            send(c, reply);
            if (c.fd >= 0 && c.closeAfter && c.outOff == c.out.size())
                closeConn(c);
        }
    }

    std::string statsJson() const
    {
        char buf[512];
        std::snprintf(buf, sizeof buf,
                      "{\"requests\":%lld,\"chat\":%lld,\"open\":%lld,\"peak_open\":%lld,\"delivery\":\"%s\","
                      "\"pieces\":%lld,\"frames_split\":%lld,\"late_pieces\":%lld,\"max_late_us\":%lld,"
                      "\"backlogged_pieces\":%lld}",
                      m_requests, m_chat, m_open, m_peakOpen, m_mode.trickle ? "trickle" : "coalesced",
                      m_pieces, m_framesSplit, m_latePieces, m_maxLateUs, m_backlogged);
        return buf;
    }

    std::string changeMode(std::string_view target)
    {
        Mode m = m_mode;
        const size_t q = target.find('?');
        std::string query(q == std::string_view::npos ? std::string_view {} : target.substr(q + 1));
        for (char *tok = std::strtok(query.data(), "&"); tok; tok = std::strtok(nullptr, "&")) {
            const std::string_view kv(tok);
            const size_t eq = kv.find('=');
            if (eq == std::string_view::npos)
                continue;
            const std::string_view value = kv.substr(eq + 1);
            const int n = std::atoi(tok + eq + 1);
            const std::string_view key = kv.substr(0, eq);
            if (key == "delay")
                m.delayMs = n;
            else if (key == "chunks")
                m.chunks = n;
            else if (key == "gap")
                m.gapMs = n;
            else if (key == "delivery")
                m.trickle = value != "coalesced";
            else if (key == "pieces_min")
                m.piecesMin = std::max(1, n);
            else if (key == "pieces_max")
                m.piecesMax = std::max(1, n);
            else if (key == "pause_min_us")
                m.pauseMinUs = std::max(0, n);
            else if (key == "pause_max_us")
                m.pauseMaxUs = std::max(0, n);
            else if (key == "seed")
                m.seed = std::strtoull(std::string(value).c_str(), nullptr, 10);
        }
        m.piecesMax = std::max(m.piecesMax, m.piecesMin);
        m.pauseMaxUs = std::max(m.pauseMaxUs, m.pauseMinUs);
        m_mode = m;
        // Each phase of scripts/bench reads its own peak and counters.
        m_peakOpen = m_open;
        m_pieces = m_framesSplit = m_latePieces = m_maxLateUs = m_backlogged = 0;
        m_bodies = std::make_shared<Bodies>(buildBodies(m));
        char buf[320];
        std::snprintf(buf, sizeof buf,
                      "{\"delay\":%d,\"chunks\":%d,\"gap\":%d,\"delivery\":\"%s\",\"pieces_min\":%d,"
                      "\"pieces_max\":%d,\"pause_min_us\":%d,\"pause_max_us\":%d,\"seed\":%llu}",
                      m.delayMs, m.chunks, m.gapMs, m.trickle ? "trickle" : "coalesced", m.piecesMin,
                      m.piecesMax, m.pauseMinUs, m.pauseMaxUs, static_cast<unsigned long long>(m.seed));
        return jsonResponse(200, buf);
    }

    void schedule(Conn &c, Clock::time_point when)
    {
        c.due = when;
        m_timers.push({ when, c.fd, c.generation });
    }

    /**
     * Cuts of unit @p u: in trickle mode piecesMin..piecesMax pieces per frame (for the head, per unit), with
     * one cut strictly inside every frame so that no frame arrives whole, the others anywhere in the unit,
     * half of them inside the first bytes (chunk-size line and the 12-byte prelude), where parsers are most
     * fragile.
     */
    void planCuts(Conn &c, const Unit &u)
    {
        c.cuts.clear();
        c.cuts.push_back(0);
        const size_t size = u.bytes.size();
        if (c.trickle && size > 1) {
            const size_t frames = std::max<size_t>(1, u.frames.size());
            size_t pieces = 0;
            for (size_t i = 0; i < frames; ++i)
                pieces += size_t(c.rng.range(uint64_t(m_mode.piecesMin), uint64_t(m_mode.piecesMax)));
            size_t extra = pieces - 1;
            for (const auto &[off, len] : u.frames) {
                if (len < 2 || extra == 0)
                    continue;
                c.cuts.push_back(off + size_t(c.rng.range(1, len - 1)));
                --extra;
            }
            const size_t head = u.frames.empty() ? size - 1 : std::min(size - 1, u.frames.front().first + 12);
            for (; extra > 0; --extra)
                c.cuts.push_back(
                    size_t((c.rng.next() & 1) ? c.rng.range(1, head) : c.rng.range(1, size - 1)));
            std::sort(c.cuts.begin(), c.cuts.end());
            c.cuts.erase(std::unique(c.cuts.begin(), c.cuts.end()), c.cuts.end());
            if (u.frames.size() > 0) {
                for (const auto &[off, len] : u.frames) {
                    const auto in = std::upper_bound(c.cuts.begin(), c.cuts.end(), off);
                    if (in != c.cuts.end() && *in < off + len)
                        ++m_framesSplit;
                }
            }
        }
        c.cuts.push_back(size);
    }

    Clock::duration pause(Conn &c)
    {
        return std::chrono::microseconds(
            c.rng.range(uint64_t(m_mode.pauseMinUs), uint64_t(m_mode.pauseMaxUs)));
    }

    /** Sends what is due of the answer in progress and schedules the rest. */
    void answer(Conn &c)
    {
        c.state = State::Answering;
        const std::vector<Unit> &units = *c.units;
        for (;;) {
            if (c.piece == 0)
                planCuts(c, units[c.unit]);
            const Unit &u = units[c.unit];
            send(c, std::string_view(u.bytes).substr(c.cuts[c.piece], c.cuts[c.piece + 1] - c.cuts[c.piece]));
            if (c.fd < 0)
                return;
            ++m_pieces;
            const auto now = Clock::now();
            if (++c.piece + 1 < c.cuts.size()) {
                schedule(c, now + pause(c));
                return;
            }
            c.piece = 0;
            if (++c.unit == units.size())
                break;
            // Streamed frames keep their cadence from the start of the answer (unit 1 at once, then gap
            // apart); in trickle mode a unit never starts sooner than one pause after the previous piece.
            auto when = c.streamed ? c.answerStart + std::chrono::milliseconds(m_mode.gapMs) * int(c.unit - 1)
                                   : c.answerStart;
            if (c.trickle)
                when = std::max(when, now + pause(c));
            if (when > now) {
                schedule(c, when);
                return;
            }
        }
        c.state = State::Reading;
        c.bodies.reset();
        c.units = nullptr;
        if (c.closeAfter && c.outOff == c.out.size())
            closeConn(c);
        else
            processRequests(c);
    }

    void fireTimers()
    {
        const auto now = Clock::now();
        while (!m_timers.empty() && m_timers.top().when <= now) {
            const Timer t = m_timers.top();
            m_timers.pop();
            Conn &c = m_conns[size_t(t.fd)];
            if (c.fd < 0 || c.generation != t.generation)
                continue;
            const long long lateUs
                = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t.when).count();
            m_maxLateUs = std::max(m_maxLateUs, lateUs);
            if (lateUs > 1000)
                ++m_latePieces;
            if (c.state == State::Waiting || c.state == State::Answering)
                answer(c);
        }
    }

    Mode m_mode;
    std::shared_ptr<const Bodies> m_bodies;
    int m_listen = -1;
    int m_epoll = -1;
    std::vector<Conn> m_conns = std::vector<Conn>(4096);
    std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> m_timers;
    long long m_requests = 0;
    long long m_chat = 0;
    long long m_open = 0;
    long long m_peakOpen = 0;
    long long m_pieces = 0;
    long long m_framesSplit = 0;
    long long m_latePieces = 0;
    long long m_maxLateUs = 0;
    long long m_backlogged = 0;
};

bool parseRange(const char *s, int *lo, int *hi)
{
    char *end = nullptr;
    *lo = int(std::strtol(s, &end, 10));
    *hi = (end && *end == '-') ? int(std::strtol(end + 1, nullptr, 10)) : *lo;
    return *lo >= 0 && *hi >= *lo;
}

} // namespace

int main(int argc, char **argv)
{
    Mode mode;
    int port = 0;
    bool ok = true;
    for (int i = 1; i < argc && ok; ++i) {
        const std::string_view a(argv[i]);
        const char *v = i + 1 < argc ? argv[i + 1] : nullptr;
        if (!v) {
            ok = false;
            break;
        }
        ++i;
        if (a == "--port")
            port = std::atoi(v);
        else if (a == "--delay-ms")
            mode.delayMs = std::atoi(v);
        else if (a == "--chunks")
            mode.chunks = std::atoi(v);
        else if (a == "--gap-ms")
            mode.gapMs = std::atoi(v);
        else if (a == "--delivery"
                 && (std::string_view(v) == "trickle" || std::string_view(v) == "coalesced"))
            mode.trickle = std::string_view(v) == "trickle";
        else if (a == "--pieces")
            ok = parseRange(v, &mode.piecesMin, &mode.piecesMax) && mode.piecesMin >= 1;
        else if (a == "--pause-us")
            ok = parseRange(v, &mode.pauseMinUs, &mode.pauseMaxUs);
        else if (a == "--seed")
            mode.seed = std::strtoull(v, nullptr, 10);
        else
            ok = false;
    }
    if (!ok) {
        std::fprintf(
            stderr,
            "usage: drawbridge-bench-upstream [--port N] [--delay-ms MS] [--chunks N] [--gap-ms MS]\n"
            "         [--delivery trickle|coalesced] [--pieces MIN-MAX] [--pause-us MIN-MAX] [--seed N]\n");
        return 2;
    }
    std::signal(SIGPIPE, SIG_IGN);
    rlimit nofile {};
    if (::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
        nofile.rlim_cur = nofile.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &nofile);
    }
    Server server(mode);
    const int bound = server.listenOn(port);
    if (bound < 0)
        return 1;
    std::printf("fake upstream listening on http://127.0.0.1:%d (%s delivery)\n", bound,
                mode.trickle ? "trickle" : "coalesced");
    std::fflush(stdout);
    server.run();
    return 0;
}
