// SPDX-License-Identifier: MIT
// The machine's floor for a proxy at concurrency 1: what relaying one request and its answer costs in CPU
// when the relay does nothing else. A client, the relay and an upstream that answers at once, each its own
// process, over loopback TCP with keep-alive and TCP_NODELAY; the relay waits in epoll_wait, as an event loop
// does, reads the request, writes it upstream, waits again, reads the answer and writes it back. It prints
// the relay's CPU time (user + system, getrusage) per request: the system calls and the two sleeps and
// wake-ups that any gateway pays per request at concurrency 1, which on a virtual machine cost more than the
// gateway's own work (docs/performance.md, "The floor at concurrency 1"). scripts/bench reports it beside its
// calibration.
//
//   drawbridge-bench-proxyfloor [--requests N]    (default 5,000; one line: "proxy floor: X.X us CPU per
//   request")
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace {

constexpr int requestBytes = 300; // about a small chat request's head and body
constexpr int answerBytes = 600;

[[noreturn]] void fail(const char *what)
{
    std::perror(what);
    std::exit(2);
}

double cpuSeconds()
{
    rusage r {};
    getrusage(RUSAGE_SELF, &r);
    return double(r.ru_utime.tv_sec + r.ru_stime.tv_sec)
        + double(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

int listenOnLoopback(sockaddr_in &address)
{
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    address = {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 || listen(fd, 4) != 0
        || getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) != 0)
        fail("listen");
    return fd;
}

void noDelay(int fd)
{
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int connectTo(const sockaddr_in &address)
{
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0)
        fail("connect");
    noDelay(fd);
    return fd;
}

int acceptOne(int listener)
{
    const int fd = accept(listener, nullptr, nullptr);
    if (fd < 0)
        fail("accept");
    noDelay(fd);
    return fd;
}

/** Reads exactly @p n bytes (in whatever pieces they come); exits the process when the peer goes. */
void readExactly(int fd, char *buffer, int n)
{
    for (int got = 0; got < n;) {
        const ssize_t r = read(fd, buffer, size_t(n - got));
        if (r <= 0)
            _exit(1);
        got += int(r);
    }
}

void writeAll(int fd, const char *buffer, int n)
{
    for (int sent = 0; sent < n;) {
        const ssize_t w = write(fd, buffer + sent, size_t(n - sent));
        if (w <= 0)
            _exit(1);
        sent += int(w);
    }
}

} // namespace

int main(int argc, char **argv)
{
    int requests = 5000;
    for (int i = 1; i < argc; ++i) {
        if (std::string_view(argv[i]) == "--requests" && i + 1 < argc)
            requests = std::atoi(argv[++i]);
        else {
            std::fprintf(stderr, "usage: %s [--requests N]\n", argv[0]);
            return 2;
        }
    }
    if (requests < 1 || requests > 10'000'000) {
        std::fprintf(stderr, "--requests: 1 to 10,000,000\n");
        return 2;
    }
    sockaddr_in relayAddress {};
    sockaddr_in upstreamAddress {};
    const int relayListener = listenOnLoopback(relayAddress);
    const int upstreamListener = listenOnLoopback(upstreamAddress);
    static char buffer[4096];

    if (fork() == 0) { // the upstream: answers each request at once
        const int fd = acceptOne(upstreamListener);
        for (int i = 0; i < requests; ++i) {
            readExactly(fd, buffer, requestBytes);
            writeAll(fd, buffer, answerBytes);
        }
        _exit(0);
    }
    if (fork() == 0) { // the client: one request at a time
        const int fd = connectTo(relayAddress);
        for (int i = 0; i < requests; ++i) {
            writeAll(fd, buffer, requestBytes);
            readExactly(fd, buffer, answerBytes);
        }
        _exit(0);
    }

    // The relay.
    const int client = acceptOne(relayListener);
    const int upstream = connectTo(upstreamAddress);
    const int poll = epoll_create1(EPOLL_CLOEXEC);
    for (const int fd : { client, upstream }) {
        epoll_event event {};
        event.events = EPOLLIN;
        event.data.fd = fd;
        if (epoll_ctl(poll, EPOLL_CTL_ADD, fd, &event) != 0)
            fail("epoll_ctl");
    }
    const double start = cpuSeconds();
    int fromClient = 0;
    int fromUpstream = 0;
    int relayed = 0;
    while (relayed < requests) {
        epoll_event events[2];
        const int ready = epoll_wait(poll, events, 2, 10'000);
        if (ready <= 0)
            fail("epoll_wait (a peer stalled)");
        for (int i = 0; i < ready; ++i) {
            const int fd = events[i].data.fd;
            const ssize_t r = read(fd, buffer, sizeof buffer);
            if (r <= 0)
                fail("read");
            if (fd == client && (fromClient += int(r)) >= requestBytes) {
                fromClient -= requestBytes;
                writeAll(upstream, buffer, requestBytes);
            } else if (fd == upstream && (fromUpstream += int(r)) >= answerBytes) {
                fromUpstream -= answerBytes;
                writeAll(client, buffer, answerBytes);
                ++relayed;
            }
        }
    }
    const double used = cpuSeconds() - start;
    while (wait(nullptr) > 0) { }
    std::printf("proxy floor: %.1f us CPU per request (%d requests)\n", used / requests * 1e6, requests);
    return 0;
}
