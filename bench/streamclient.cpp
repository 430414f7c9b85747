// SPDX-License-Identifier: MIT
// drawbridge-bench-streamclient: a small epoll HTTP/1.1 client for scripts/bench (no Qt).
//
// --mode stream  (default) opens --streams N connections at once, sends one streaming request on each, and
//                measures time to the response head, time to the first content delta, and the gaps between
//                deltas. A stream is complete when it carried --expect deltas and its terminator ([DONE] for
//                the gateway's SSE, the closing meteringEvent frame for a direct Kiro event stream).
// --mode fixed   sends exactly --requests non-streaming requests over --concurrency keep-alive connections
//                and reports exact latency percentiles (used for the instruction-count budget).
// --body-file F  sends F's bytes as every request's body (agent-shaped bodies from bench/agentbodies.py).
// --vary TOKEN   writes each request's index over the body's first TOKEN (zero-padded to its length).
// --header "N: v" adds a header to every request (repeatable): a reference gateway's routing headers.
// --format sse|kiro says what the body is: the gateway's OpenAI SSE, or the fake upstream's event stream.
// Each connection's request carries "bench-stream-<index>" in its message, which the bench fake uses to pick
// the delivery schedule of that stream: the same load sent directly and through the gateway gets the same
// schedules. Counts reads (recv calls that returned data) and, for the event stream, how many frames arrived
// over more than one read. Failed streams are reported by reason, with the error text the client saw. Prints
// one JSON object on stdout.
#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <string_view>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double usSince(Clock::time_point from, Clock::time_point to)
{
    return std::chrono::duration<double, std::micro>(to - from).count();
}

struct Options
{
    std::string host = "127.0.0.1";
    int port = 0;
    std::string path = "/v1/chat/completions";
    std::string key;
    std::string mode = "stream";
    std::string format = "sse";
    int streams = 1;
    int expect = 64;
    int requests = 1000;
    int concurrency = 1;
    int timeoutS = 60;
    std::string body; ///< --body-file: sent verbatim instead of the built-in one-message body
    std::string vary; ///< --vary TOKEN: the body's first TOKEN becomes the request's index, as many digits
    std::string headers; ///< --header "Name: value" (repeatable), each with its CRLF: e.g. a reference
                         ///< gateway's routing headers
};

struct Conn
{
    int fd = -1;
    bool done = false;
    bool ok = false;
    Clock::time_point sent;
    Clock::time_point lastDelta;
    double headUs = -1;
    double firstDeltaUs = -1;
    int status = 0;
    int deltas = 0;
    bool terminator = false;
    // HTTP parsing
    std::string raw; // bytes not yet parsed (head, or chunked framing)
    std::string payload; // de-chunked body not yet scanned for events
    bool headDone = false;
    bool chunked = false;
    long long contentLength = -1;
    long long bodyRead = 0;
    bool bodyDone = false;
    std::string request;
    size_t requestOff = 0;
    std::string error; // why the stream failed, as the client saw it
    bool carried = false; // the event-stream buffer held part of a frame before the current read
    size_t chunkLeft = 0; // data bytes of the current HTTP chunk not yet read
    bool chunkCrlf = false; // the CRLF after a chunk's data is due
};

std::string jsonEscape(std::string_view s)
{
    std::string out;
    for (const char ch : s) {
        const auto u = static_cast<unsigned char>(ch);
        if (ch == '"' || ch == '\\') {
            out += '\\';
            out += ch;
        } else if (u < 0x20) {
            char esc[8];
            std::snprintf(esc, sizeof esc, "\\u%04x", u);
            out += esc;
        } else {
            out += ch;
        }
    }
    return out;
}

double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return -1;
    std::sort(v.begin(), v.end());
    const double rank = p / 100.0 * double(v.size() - 1);
    const size_t lo = size_t(rank);
    const size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (rank - double(lo));
}

std::string stats(const std::vector<double> &v)
{
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "{\"count\":%zu,\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f}",
                  v.size(), percentile(v, 50), percentile(v, 90), percentile(v, 99), percentile(v, 99.9),
                  v.empty() ? -1.0 : *std::max_element(v.begin(), v.end()));
    return buf;
}

class Client
{
public:
    explicit Client(Options o) : m_o(std::move(o)) { }

    std::string buildRequest(bool stream, int index) const
    {
        std::string body = m_o.body;
        const std::string content = "Say something. [bench-stream-" + std::to_string(index) + "]";
        if (!body.empty()) {
            // An agent-shaped body (bench/agentbodies.py): the same bytes on every request, but for --vary's
            // token (an agent's next request: the same conversation with a new last message). The same
            // length, so nothing else moves.
            if (const size_t at = m_o.vary.empty() ? std::string::npos : body.find(m_o.vary);
                at != std::string::npos) {
                std::string digits = std::to_string(index);
                digits = std::string(m_o.vary.size() - std::min(digits.size(), m_o.vary.size()), '0')
                    + digits.substr(digits.size() - std::min(digits.size(), m_o.vary.size()));
                body.replace(at, m_o.vary.size(), digits);
            }
        } else if (m_o.format == "kiro") {
            body
                = R"({"conversationState":{"conversationId":"bench","chatTriggerType":"MANUAL","currentMessage":)"
                  R"({"userInputMessage":{"content":")"
                + content + R"(","modelId":"claude-sonnet-4.5","origin":"AI_EDITOR"}}}})";
        } else {
            body = std::string(R"({"model":"kiro","stream":)") + (stream ? "true" : "false")
                + R"(,"messages":[{"role":"user","content":")" + content + R"("}]})";
        }
        std::string r = "POST " + m_o.path + " HTTP/1.1\r\nHost: " + m_o.host + ":" + std::to_string(m_o.port)
            + "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
        if (!m_o.key.empty())
            r += "Authorization: Bearer " + m_o.key + "\r\n";
        return r + m_o.headers + "\r\n" + body;
    }

    int connectOne()
    {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sockaddr_in addr {};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(uint16_t(m_o.port));
        ::inet_pton(AF_INET, m_o.host.c_str(), &addr.sin_addr);
        if (::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
            ::close(fd);
            return -1;
        }
        return fd;
    }

    int run()
    {
        m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
        const bool stream = m_o.mode == "stream";
        const int n = stream ? m_o.streams : std::min(m_o.concurrency, m_o.requests);
        m_conns.resize(size_t(n));
        const auto start = Clock::now();
        int connectErrors = 0;
        for (int i = 0; i < n; ++i) {
            Conn &c = m_conns[size_t(i)];
            c.fd = connectOne();
            if (c.fd < 0) {
                ++connectErrors;
                c.done = true;
                continue;
            }
            c.request = buildRequest(stream, i);
            epoll_event ev {};
            ev.events = EPOLLIN | EPOLLOUT;
            ev.data.u64 = uint64_t(i);
            ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, c.fd, &ev);
            startRequest(c);
        }
        const auto deadline = start + std::chrono::seconds(m_o.timeoutS);
        std::vector<epoll_event> events(1024);
        int active = n - connectErrors;
        while (active > 0 && Clock::now() < deadline) {
            const int k = ::epoll_wait(m_epoll, events.data(), int(events.size()), 100);
            for (int e = 0; e < k; ++e) {
                Conn &c = m_conns[size_t(events[e].data.u64)];
                if (c.done)
                    continue;
                if (events[e].events & EPOLLOUT)
                    writeMore(c);
                if (events[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                    readMore(c);
                if (c.done)
                    --active;
            }
        }
        const double wallS = usSince(start, Clock::now()) / 1e6;
        for (Conn &c : m_conns) {
            if (stream && !c.done && c.error.empty())
                c.error = "timed out after " + std::to_string(m_o.timeoutS) + " s: status "
                    + std::to_string(c.status) + ", " + std::to_string(c.deltas) + " deltas";
            if (c.fd >= 0)
                ::close(c.fd);
        }

        int completed = 0, badStatus = 0, stalled = 0;
        if (!stream)
            stalled = m_o.requests - int(m_completedRequests);
        for (const Conn &c : m_conns) {
            if (!stream) {
                if (c.status != 0 && c.status != 200)
                    ++badStatus;
                continue;
            }
            if (c.ok)
                ++completed;
            else if (c.status != 0 && c.status != 200)
                ++badStatus;
            else if (!c.done || c.status == 200)
                ++stalled;
        }
        std::string statuses;
        {
            std::vector<std::pair<int, int>> counts;
            for (const Conn &c : m_conns) {
                auto it = std::find_if(counts.begin(), counts.end(),
                                       [&](auto &p) { return p.first == c.status; });
                if (it == counts.end())
                    counts.push_back({ c.status, 1 });
                else
                    ++it->second;
            }
            for (auto &[code, count] : counts) {
                char item[48];
                std::snprintf(item, sizeof item, "%s\"%d\":%d", statuses.empty() ? "" : ",", code, count);
                statuses.append(item);
            }
        }
        std::string failures;
        if (stream) {
            std::map<std::string, int> reasons;
            for (const Conn &c : m_conns)
                if (!c.ok)
                    ++reasons[c.error.empty() ? std::string("unknown") : c.error];
            std::vector<std::pair<int, std::string>> sorted;
            for (auto &[text, count] : reasons)
                sorted.push_back({ count, text });
            std::sort(sorted.begin(), sorted.end(), [](auto &a, auto &b) { return a.first > b.first; });
            int other = 0;
            for (size_t i = 0; i < sorted.size(); ++i) {
                if (i >= 12) {
                    other += sorted[i].first;
                    continue;
                }
                failures += (failures.empty() ? "\"" : ",\"") + jsonEscape(sorted[i].second)
                    + "\":" + std::to_string(sorted[i].first);
            }
            if (other)
                failures += (failures.empty() ? "\"" : ",\"") + std::string("(other reasons)\":")
                    + std::to_string(other);
        }
        std::printf(
            "{\"statuses\":{%s},\"failures\":{%s},\"reads\":%lld,\"frames\":%lld,\"split_frames\":%lld,",
            statuses.c_str(), failures.c_str(), m_reads, m_frames, m_splitFrames);
        std::printf(
            "\"mode\":\"%s\",\"format\":\"%s\",\"connections\":%d,\"wall_s\":%.3f,\"connect_errors\":%d,"
            "\"bad_status\":%d,\"incomplete\":%d,",
            m_o.mode.c_str(), m_o.format.c_str(), n, wallS, connectErrors, badStatus, stalled);
        if (stream) {
            std::printf("\"streams\":%d,\"completed\":%d,\"expect_deltas\":%d,\"head_us\":%s,\"ttfb_us\":%s,"
                        "\"gap_us\":%s}\n",
                        n, completed, m_o.expect, stats(m_heads).c_str(), stats(m_firsts).c_str(),
                        stats(m_gaps).c_str());
        } else {
            std::printf("\"requests\":%d,\"completed\":%lld,\"rps\":%.1f,\"latency_us\":%s}\n", m_o.requests,
                        m_completedRequests, double(m_completedRequests) / wallS, stats(m_latencies).c_str());
        }
        return 0;
    }

private:
    void startRequest(Conn &c)
    {
        c.requestOff = 0;
        c.headDone = false;
        c.chunked = false;
        c.contentLength = -1;
        c.bodyRead = 0;
        c.bodyDone = false;
        c.deltas = 0;
        c.terminator = false;
        c.raw.clear();
        c.payload.clear();
        c.error.clear();
        c.carried = false;
        c.chunkLeft = 0;
        c.chunkCrlf = false;
        // --vary: each request its own index, made before the clock starts.
        if (!m_o.vary.empty() && m_o.mode == "fixed")
            c.request = buildRequest(false, int(m_started));
        c.sent = Clock::now();
        ++m_started;
        writeMore(c);
    }

    void writeMore(Conn &c)
    {
        while (c.requestOff < c.request.size()) {
            const ssize_t w = ::send(c.fd, c.request.data() + c.requestOff, c.request.size() - c.requestOff,
                                     MSG_NOSIGNAL);
            if (w < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOTCONN) {
                    epoll_event ev {};
                    ev.events = EPOLLIN | EPOLLOUT;
                    ev.data.u64 = uint64_t(&c - m_conns.data());
                    ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, c.fd, &ev);
                    return;
                }
                finish(c, false);
                return;
            }
            c.requestOff += size_t(w);
        }
        // Written: wait for the answer only (a level-triggered EPOLLOUT would spin).
        epoll_event ev {};
        ev.events = EPOLLIN;
        ev.data.u64 = uint64_t(&c - m_conns.data());
        ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, c.fd, &ev);
    }

    void finish(Conn &c, bool ok)
    {
        const auto now = Clock::now();
        if (m_o.mode == "stream") {
            c.ok = ok;
            c.done = true;
            ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, c.fd, nullptr);
            return;
        }
        if (ok) {
            ++m_completedRequests;
            m_latencies.push_back(usSince(c.sent, now));
        }
        if (!ok || m_started >= m_o.requests) {
            c.done = true;
            ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, c.fd, nullptr);
            return;
        }
        startRequest(c);
    }

    void readMore(Conn &c)
    {
        char buf[65536];
        for (;;) {
            const ssize_t r = ::recv(c.fd, buf, sizeof buf, 0);
            if (r > 0) {
                const auto now = Clock::now();
                ++m_reads;
                c.carried = !c.payload.empty();
                c.raw.append(buf, size_t(r));
                parse(c, now);
                if (c.done)
                    return;
                continue;
            }
            if (r == 0) {
                // EOF: a close-delimited body ends here.
                if (c.headDone && !c.chunked && c.contentLength < 0) {
                    c.bodyDone = true;
                    complete(c);
                } else if (!c.done) {
                    if (c.error.empty())
                        c.error = "connection closed by the server: status " + std::to_string(c.status) + ", "
                            + std::to_string(c.deltas) + " deltas";
                    finish(c, false);
                }
                return;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            if (c.error.empty())
                c.error = std::string("recv: ") + std::strerror(errno);
            finish(c, false);
            return;
        }
    }

    void parse(Conn &c, Clock::time_point now)
    {
        if (!c.headDone) {
            const size_t end = c.raw.find("\r\n\r\n");
            if (end == std::string::npos)
                return;
            c.headDone = true;
            c.headUs = usSince(c.sent, now);
            if (m_o.mode == "stream")
                m_heads.push_back(c.headUs);
            std::string head = c.raw.substr(0, end + 2);
            c.raw.erase(0, end + 4);
            c.status = std::atoi(head.c_str() + 9);
            for (char &ch : head)
                ch = char(std::tolower(static_cast<unsigned char>(ch)));
            if (head.find("\r\ntransfer-encoding: chunked") != std::string::npos)
                c.chunked = true;
            const size_t cl = head.find("\r\ncontent-length:");
            if (cl != std::string::npos)
                c.contentLength = std::atoll(head.c_str() + cl + 17);
        }
        if (c.chunked) {
            // De-chunk as bytes arrive (part of a chunk's data is passed on at once), so that the
            // event-stream scan sees frames split across reads as the gateway does.
            size_t at = 0;
            while (at < c.raw.size() && !c.bodyDone) {
                if (c.chunkLeft > 0) {
                    const size_t take = std::min(c.chunkLeft, c.raw.size() - at);
                    c.payload.append(c.raw, at, take);
                    at += take;
                    c.chunkLeft -= take;
                    if (c.chunkLeft == 0)
                        c.chunkCrlf = true;
                    continue;
                }
                if (c.chunkCrlf) {
                    if (c.raw.size() - at < 2)
                        break;
                    at += 2;
                    c.chunkCrlf = false;
                    continue;
                }
                const size_t eol = c.raw.find("\r\n", at);
                if (eol == std::string::npos)
                    break;
                const size_t size = std::strtoul(c.raw.c_str() + at, nullptr, 16);
                if (size == 0) {
                    if (c.raw.size() < eol + 4)
                        break;
                    at = eol + 4;
                    c.bodyDone = true;
                    break;
                }
                at = eol + 2;
                c.chunkLeft = size;
            }
            c.raw.erase(0, at);
        } else {
            c.payload += c.raw;
            c.bodyRead += (long long)c.raw.size();
            c.raw.clear();
            if (c.contentLength >= 0 && c.bodyRead >= c.contentLength)
                c.bodyDone = true;
        }
        scanEvents(c, now);
        if (c.bodyDone)
            complete(c);
    }

    void delta(Conn &c, Clock::time_point now)
    {
        if (m_o.mode == "stream") {
            if (c.deltas == 0) {
                c.firstDeltaUs = usSince(c.sent, now);
                m_firsts.push_back(c.firstDeltaUs);
            } else {
                m_gaps.push_back(usSince(c.lastDelta, now));
            }
        }
        c.lastDelta = now;
        ++c.deltas;
    }

    void scanEvents(Conn &c, Clock::time_point now)
    {
        if (m_o.format == "kiro") {
            while (c.payload.size() >= 4) {
                const auto *p = reinterpret_cast<const unsigned char *>(c.payload.data());
                const uint32_t total
                    = (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
                if (total < 16 || c.payload.size() < total)
                    break;
                const std::string_view frame(c.payload.data(), total);
                ++m_frames;
                if (c.carried)
                    ++m_splitFrames; // its first bytes came in an earlier read than its last
                c.carried = false;
                if (frame.find("assistantResponseEvent") != std::string_view::npos)
                    delta(c, now);
                else if (frame.find("meteringEvent") != std::string_view::npos)
                    c.terminator = true;
                c.payload.erase(0, total);
            }
            return;
        }
        for (;;) {
            const size_t end = c.payload.find("\n\n");
            if (end == std::string::npos)
                break;
            const std::string_view event(c.payload.data(), end);
            if (event.find("data: [DONE]") != std::string_view::npos) {
                c.terminator = true;
            } else if (event.find("\"error\"") != std::string_view::npos) {
                if (c.error.empty())
                    c.error = "error event: " + std::string(event.substr(0, 300));
            } else {
                const size_t pos = event.find("\"content\":\"");
                if (pos != std::string_view::npos && pos + 11 < event.size() && event[pos + 11] != '"')
                    delta(c, now);
            }
            c.payload.erase(0, end + 2);
        }
    }

    void complete(Conn &c)
    {
        if (m_o.mode == "stream") {
            const bool ok = c.status == 200 && c.terminator && c.deltas >= m_o.expect;
            if (!ok && c.error.empty()) {
                if (c.status != 200)
                    c.error = "HTTP " + std::to_string(c.status) + ": " + c.payload.substr(0, 300);
                else if (!c.terminator)
                    c.error
                        = "body ended without the terminator after " + std::to_string(c.deltas) + " deltas";
                else
                    c.error = "only " + std::to_string(c.deltas) + " of " + std::to_string(m_o.expect)
                        + " deltas";
            }
            finish(c, ok);
            return;
        }
        finish(c, c.status == 200);
    }

    Options m_o;
    int m_epoll = -1;
    std::vector<Conn> m_conns;
    std::vector<double> m_heads, m_firsts, m_gaps, m_latencies;
    long long m_completedRequests = 0;
    long long m_reads = 0, m_frames = 0, m_splitFrames = 0;
    int m_started = 0;
};

} // namespace

int main(int argc, char **argv)
{
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a(argv[i]);
        const char *v = i + 1 < argc ? argv[i + 1] : "";
        bool used = true;
        if (a == "--host")
            o.host = v;
        else if (a == "--port")
            o.port = std::atoi(v);
        else if (a == "--path")
            o.path = v;
        else if (a == "--key")
            o.key = v;
        else if (a == "--mode")
            o.mode = v;
        else if (a == "--format")
            o.format = v;
        else if (a == "--streams")
            o.streams = std::atoi(v);
        else if (a == "--expect")
            o.expect = std::atoi(v);
        else if (a == "--requests")
            o.requests = std::atoi(v);
        else if (a == "--concurrency")
            o.concurrency = std::atoi(v);
        else if (a == "--timeout-s")
            o.timeoutS = std::atoi(v);
        else if (a == "--header") {
            const std::string_view h(v);
            if (h.find(':') == std::string_view::npos || h.find_first_of("\r\n") != std::string_view::npos) {
                std::fprintf(stderr, "--header takes \"Name: value\" on one line\n");
                return 2;
            }
            o.headers.append(h).append("\r\n");
        } else if (a == "--vary") {
            o.vary = v;
        } else if (a == "--body-file") {
            std::FILE *f = std::fopen(v, "rb");
            if (!f) {
                std::fprintf(stderr, "cannot read %s\n", v);
                return 2;
            }
            char buf[65536];
            for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;)
                o.body.append(buf, n);
            std::fclose(f);
        } else
            used = false;
        if (!used || i + 1 >= argc) {
            std::fprintf(
                stderr,
                "usage: drawbridge-bench-streamclient --port N [--host H] [--path P] [--key K] "
                "[--mode stream|fixed] [--format sse|kiro] [--streams N] [--expect N] [--requests N] "
                "[--concurrency N] [--timeout-s S] [--body-file F [--vary TOKEN]] [--header \"Name: "
                "value\"]...\n");
            return 2;
        }
        ++i;
    }
    if (o.host != "127.0.0.1" && o.host != "localhost") {
        std::fprintf(stderr, "refusing to send traffic anywhere but 127.0.0.1\n");
        return 2;
    }
    o.host = "127.0.0.1";
    std::signal(SIGPIPE, SIG_IGN);
    rlimit nofile {};
    if (::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
        nofile.rlim_cur = nofile.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &nofile);
    }
    return Client(std::move(o)).run();
}
