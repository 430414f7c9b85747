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
//   drawbridge-bench-proxyfloor [--requests N] [--request-bytes B] [--answer-bytes B] [--work-us U]
//                               [--touch-kib K]
//   (defaults 5,000, 300, 600, 0, 0; one line: "proxy floor: X.X us CPU per request (user U.U + system S.S)
//   …")
//
// --work-us makes the relay spin for U microseconds of its own per request, half after each read, as a
// gateway's work stands between its reads and writes: with it, the system part shows what the sleeps and
// wake-ups cost when the relay is not idle-fast (docs/performance.md, "Small requests at concurrency 1").
// --touch-kib makes it also write one byte in each cache line of K KiB of its own memory per request (half
// after each read), as a gateway's request walks its buffers and objects: with it, the system part shows what
// a larger cache footprint costs the kernel's own paths (docs/performance.md, "Fourteenth pass").
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
#include <ctime>
#include <string_view>
#include <vector>

namespace {

int requestBytes = 300; // about a small chat request's head and body
int answerBytes = 600;
int workUs = 0;
int touchKib = 0;
constexpr int maxBytes = 1 << 20;
constexpr int maxTouchKib = 64 * 1024;

[[noreturn]] void fail(const char *what)
{
    std::perror(what);
    std::exit(2);
}

struct Cpu
{
    double user = 0;
    double system = 0;
};

Cpu cpuSeconds()
{
    rusage r {};
    getrusage(RUSAGE_SELF, &r);
    return { double(r.ru_utime.tv_sec) + double(r.ru_utime.tv_usec) / 1e6,
             double(r.ru_stime.tv_sec) + double(r.ru_stime.tv_usec) / 1e6 };
}

/** Busy for @p us microseconds of wall time in user space (the vDSO clock: no system call). */
void work(int us)
{
    if (us <= 0)
        return;
    timespec start {};
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (timespec now = start;; clock_gettime(CLOCK_MONOTONIC, &now)) {
        if ((now.tv_sec - start.tv_sec) * 1'000'000 + (now.tv_nsec - start.tv_nsec) / 1'000 >= us)
            return;
    }
}

/** Writes one byte in each 64-byte line of @p bytes of @p memory, a different value each call. */
void touch(unsigned char *memory, int bytes)
{
    static unsigned char round = 0;
    ++round;
    for (int at = 0; at < bytes; at += 64)
        memory[at] = static_cast<unsigned char>(memory[at] + round);
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
        const std::string_view arg(argv[i]);
        if (arg == "--requests" && i + 1 < argc)
            requests = std::atoi(argv[++i]);
        else if (arg == "--request-bytes" && i + 1 < argc)
            requestBytes = std::atoi(argv[++i]);
        else if (arg == "--answer-bytes" && i + 1 < argc)
            answerBytes = std::atoi(argv[++i]);
        else if (arg == "--work-us" && i + 1 < argc)
            workUs = std::atoi(argv[++i]);
        else if (arg == "--touch-kib" && i + 1 < argc)
            touchKib = std::atoi(argv[++i]);
        else {
            std::fprintf(stderr,
                         "usage: %s [--requests N] [--request-bytes B] [--answer-bytes B] [--work-us U] "
                         "[--touch-kib K]\n",
                         argv[0]);
            return 2;
        }
    }
    if (requests < 1 || requests > 10'000'000 || requestBytes < 1 || requestBytes > maxBytes
        || answerBytes < 1 || answerBytes > maxBytes || workUs < 0 || workUs > 1'000'000 || touchKib < 0
        || touchKib > maxTouchKib) {
        std::fprintf(stderr,
                     "--requests: 1 to 10,000,000; --request-bytes and --answer-bytes: 1 to %d; "
                     "--work-us: 0 to 1,000,000; --touch-kib: 0 to %d\n",
                     maxBytes, maxTouchKib);
        return 2;
    }
    sockaddr_in relayAddress {};
    sockaddr_in upstreamAddress {};
    const int relayListener = listenOnLoopback(relayAddress);
    const int upstreamListener = listenOnLoopback(upstreamAddress);
    static char buffer[maxBytes];
    // The relay's own memory for --touch-kib, written once here so that its pages are resident before timing.
    const int touchBytes = touchKib * 1024;
    std::vector<unsigned char> footprint(size_t(touchBytes), 1);
    const int touchFirst = touchBytes / 2 / 64 * 64;

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
    const Cpu start = cpuSeconds();
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
                work(workUs / 2);
                touch(footprint.data(), touchFirst);
                writeAll(upstream, buffer, requestBytes);
            } else if (fd == upstream && (fromUpstream += int(r)) >= answerBytes) {
                fromUpstream -= answerBytes;
                work(workUs - workUs / 2);
                touch(footprint.data() + touchFirst, touchBytes - touchFirst);
                writeAll(client, buffer, answerBytes);
                ++relayed;
            }
        }
    }
    const Cpu end = cpuSeconds();
    while (wait(nullptr) > 0) { }
    const double user = (end.user - start.user) / requests * 1e6;
    const double system = (end.system - start.system) / requests * 1e6;
    std::printf("proxy floor: %.1f us CPU per request (user %.1f + system %.1f; %d requests)\n",
                user + system, user, system, requests);
    return 0;
}
