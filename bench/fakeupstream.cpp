// SPDX-License-Identifier: MIT
// drawbridge-bench-upstream: a lean fake Kiro upstream for scripts/bench.
//
// One thread, epoll, non-blocking sockets, HTTP/1.1 keep-alive. Every response body is precomputed, and
// delays are timers (a min-heap whose earliest deadline becomes the epoll_wait timeout), never sleeps, so
// thousands of connections cost almost nothing. Qt is used only at start-up (and on a mode change) to build
// the event-stream frames with the gateway's own encoder; the request path has no Qt and no allocation beyond
// buffer growth.
//
//   POST /refreshToken                 -> {"accessToken","refreshToken","expiresIn":3600,"profileArn"}
//   GET  /getUsageLimits               -> a small usage JSON
//   POST /generateAssistantResponse    -> event stream: after --delay-ms, either one Content-Length body
//                                         (--chunks 0) or N chunked frames --gap-ms apart (--chunks N)
//   POST /_bench/mode?delay=D&chunks=N&gap=G   -> change the mode at run time (scripts/bench uses this)
//   GET  /_bench/stats                 -> {"requests":…,"chat":…,"open":…,"peak_open":…}
#include <QByteArray>

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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
#include <vector>

#include "server/kiro/eventstreamencoder.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Mode
{
    int delayMs = 0;
    int chunks = 0;
    int gapMs = 0;
};

struct Bodies
{
    std::string fullResponse; // headers + Content-Length body (chunks == 0)
    std::string streamHeaders; // headers for the chunked stream
    std::vector<std::string>
        streamChunks; // chunk i, HTTP-chunk framed; the last one carries the closing frames
};

std::string toStd(const QByteArray &b)
{
    return std::string(b.constData(), size_t(b.size()));
}

std::string httpChunk(const std::string &payload)
{
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", payload.size());
    return size + payload + "\r\n";
}

std::string closingFrames()
{
    using Drawbridge::EventStreamEncoder;
    return toStd(EventStreamEncoder::event("meteringEvent",
                                           R"({"unit":"credit","unitPlural":"credits","usage":0.0125})"))
        + toStd(EventStreamEncoder::event("contextUsageEvent", R"({"contextUsagePercentage":1.5})"));
}

Bodies buildBodies(const Mode &mode)
{
    using Drawbridge::EventStreamEncoder;
    Bodies b;
    // Non-streaming answer: about 1 KB of text in three deltas, like the real service.
    std::string body;
    const std::string sentence
        = "The quick brown fox jumps over the lazy dog while the gateway measures itself. ";
    for (int part = 0; part < 3; ++part) {
        std::string text;
        for (int i = 0; i < 4; ++i)
            text += sentence;
        body += toStd(EventStreamEncoder::event("assistantResponseEvent",
                                                QByteArray::fromStdString("{\"content\":\"" + text + "\"}")));
    }
    body += closingFrames();
    b.fullResponse = "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.amazon.eventstream\r\n"
                     "x-amzn-RequestId: bench\r\nContent-Length: "
        + std::to_string(body.size()) + "\r\n\r\n" + body;

    b.streamHeaders = "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.amazon.eventstream\r\n"
                      "x-amzn-RequestId: bench\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < mode.chunks; ++i) {
        std::string frame = toStd(EventStreamEncoder::event(
            "assistantResponseEvent",
            QByteArray::fromStdString("{\"content\":\"w" + std::to_string(i) + " \"}")));
        if (i == mode.chunks - 1)
            b.streamChunks.push_back(httpChunk(frame + closingFrames()) + "0\r\n\r\n");
        else
            b.streamChunks.push_back(httpChunk(frame));
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

enum class State { Reading, Waiting, Streaming };

struct Conn
{
    int fd = -1;
    unsigned generation = 0;
    State state = State::Reading;
    std::string in;
    std::string out;
    size_t outOff = 0;
    int nextChunk = 0;
    bool wantWrite = false;
    bool closeAfter = false;
    std::shared_ptr<const Bodies> bodies; // keeps the bodies of the mode this stream started in
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
            int timeout = -1;
            if (!m_timers.empty()) {
                const auto wait
                    = std::chrono::ceil<std::chrono::milliseconds>(m_timers.top().when - Clock::now());
                timeout = int(std::max<long long>(0, wait.count()));
            }
            const int n = ::epoll_wait(m_epoll, events.data(), int(events.size()), timeout);
            if (n < 0 && errno != EINTR) {
                std::perror("epoll_wait");
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

    void send(Conn &c, std::string_view bytes)
    {
        if (c.outOff == c.out.size()) {
            c.out.clear();
            c.outOff = 0;
            // Fast path: write straight from the precomputed buffer.
            const ssize_t w = ::send(c.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (w == ssize_t(bytes.size()))
                return;
            if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                closeConn(c);
                return;
            }
            bytes.remove_prefix(size_t(std::max<ssize_t>(0, w)));
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
        if (c.closeAfter)
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
                c.bodies = m_bodies;
                c.nextChunk = 0;
                c.in.erase(0, total);
                if (m_mode.delayMs > 0) {
                    c.state = State::Waiting;
                    m_timers.push(
                        { Clock::now() + std::chrono::milliseconds(m_mode.delayMs), c.fd, c.generation });
                } else {
                    startAnswer(c);
                }
                continue;
            }
            if (path.ends_with("/refreshToken"))
                reply = kRefresh;
            else if (path.ends_with("/getUsageLimits"))
                reply = kUsage;
            else if (path == "/_bench/mode")
                reply = changeMode(target);
            else if (path == "/_bench/stats")
                reply = jsonResponse(200,
                                     "{\"requests\":" + std::to_string(m_requests) + ",\"chat\":"
                                         + std::to_string(m_chat) + ",\"open\":" + std::to_string(m_open)
                                         + ",\"peak_open\":" + std::to_string(m_peakOpen) + "}");
            else
                reply = jsonResponse(404, R"({"message":"not found"})");
            c.in.erase(0, total);
            send(c, reply);
            if (c.fd >= 0 && c.closeAfter && c.outOff == c.out.size())
                closeConn(c);
        }
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
            const int value = std::atoi(tok + eq + 1);
            const std::string_view key = kv.substr(0, eq);
            if (key == "delay")
                m.delayMs = value;
            else if (key == "chunks")
                m.chunks = value;
            else if (key == "gap")
                m.gapMs = value;
        }
        m_mode = m;
        m_peakOpen = m_open; // each phase of scripts/bench reads its own peak
        m_bodies = std::make_shared<Bodies>(buildBodies(m));
        return jsonResponse(200,
                            "{\"delay\":" + std::to_string(m.delayMs) + ",\"chunks\":"
                                + std::to_string(m.chunks) + ",\"gap\":" + std::to_string(m.gapMs) + "}");
    }

    void startAnswer(Conn &c)
    {
        const Bodies &b = *c.bodies;
        if (b.streamChunks.empty()) {
            c.state = State::Reading;
            c.bodies.reset();
            send(c, b.fullResponse);
            if (c.fd >= 0 && c.closeAfter && c.outOff == c.out.size())
                closeConn(c);
            else if (c.fd >= 0)
                processRequests(c);
            return;
        }
        c.state = State::Streaming;
        send(c, b.streamHeaders);
        if (c.fd >= 0)
            nextChunk(c);
    }

    void nextChunk(Conn &c)
    {
        const Bodies &b = *c.bodies;
        send(c, b.streamChunks[size_t(c.nextChunk)]);
        if (c.fd < 0)
            return;
        if (++c.nextChunk < int(b.streamChunks.size())) {
            m_timers.push({ Clock::now() + std::chrono::milliseconds(m_mode.gapMs), c.fd, c.generation });
            return;
        }
        c.state = State::Reading;
        c.bodies.reset();
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
            if (c.state == State::Waiting)
                startAnswer(c);
            else if (c.state == State::Streaming)
                nextChunk(c);
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
};

} // namespace

int main(int argc, char **argv)
{
    Mode mode;
    int port = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a(argv[i]);
        auto next = [&] { return i + 1 < argc ? std::atoi(argv[++i]) : 0; };
        if (a == "--port")
            port = next();
        else if (a == "--delay-ms")
            mode.delayMs = next();
        else if (a == "--chunks")
            mode.chunks = next();
        else if (a == "--gap-ms")
            mode.gapMs = next();
        else {
            std::fprintf(
                stderr,
                "usage: drawbridge-bench-upstream [--port N] [--delay-ms MS] [--chunks N] [--gap-ms MS]\n");
            return 2;
        }
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
    std::printf("fake upstream listening on http://127.0.0.1:%d\n", bound);
    std::fflush(stdout);
    server.run();
    return 0;
}
