// SPDX-License-Identifier: MIT
// CPU cost per request of HttpClient versus QNetworkAccessManager against a local keep-alive server.
// The server runs in a forked child so only the client's work (all of its threads) is counted.
// Usage: bench_httpclient [requests=20000] [concurrency...=1 32]
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTcpServer>
#include <QTcpSocket>

#include <csignal>
#include <cstdio>
#include <functional>
#include <memory>
#include <vector>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "server/net/httpclient.h"

using namespace Drawbridge;

namespace {

const QByteArray responseBody = [] {
    QByteArray b
        = R"({"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":")";
    b += QByteArray(900, 'x');
    b += R"("},"finish_reason":"stop"}]})";
    return b;
}();
const QByteArray requestBody
    = QByteArray(R"({"model":"m","messages":[{"role":"user","content":")") + QByteArray(960, 'q') + R"("}]})";

int runServer(int portPipe)
{
    int argc = 1;
    char name[] = "bench-server";
    char *argv[] = { name, nullptr };
    QCoreApplication app(argc, argv);
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 1;
    const QByteArray response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
        + QByteArray::number(responseBody.size()) + "\r\n\r\n" + responseBody;
    QObject::connect(&server, &QTcpServer::newConnection, &server, [&] {
        while (QTcpSocket *socket = server.nextPendingConnection()) {
            socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            auto inbox = std::make_shared<QByteArray>();
            QObject::connect(socket, &QTcpSocket::readyRead, socket, [socket, inbox, response] {
                *inbox += socket->readAll();
                for (;;) {
                    const qsizetype end = inbox->indexOf("\r\n\r\n");
                    if (end < 0)
                        return;
                    qsizetype length = 0;
                    const qsizetype at = inbox->indexOf("ontent-Length: ");
                    if (at >= 0 && at < end)
                        length = inbox->mid(at + 15, inbox->indexOf('\r', at) - at - 15).toLongLong();
                    if (inbox->size() < end + 4 + length)
                        return;
                    inbox->remove(0, end + 4 + length);
                    socket->write(response);
                }
            });
            QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        }
    });
    const quint16 port = server.serverPort();
    if (write(portPipe, &port, sizeof port) != sizeof port)
        return 1;
    close(portPipe);
    return app.exec();
}

double cpuSeconds()
{
    rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

struct Result
{
    double cpuUsPerRequest = 0;
    double requestsPerSecond = 0;
    int failures = 0;
};

// Keeps `concurrency` requests in flight until `total` have completed; `start(done)` begins one.
Result drive(int total, int concurrency, const std::function<void(std::function<void(bool)>)> &start)
{
    QEventLoop loop;
    int started = 0;
    int completed = 0;
    Result result;
    std::function<void(bool)> onDone;
    onDone = [&](bool ok) {
        ++completed;
        result.failures += ok ? 0 : 1;
        if (started < total) {
            ++started;
            start(onDone);
        } else if (completed == total) {
            loop.quit();
        }
    };
    const double cpu0 = cpuSeconds();
    QElapsedTimer wall;
    wall.start();
    for (; started < qMin(concurrency, total);) {
        ++started;
        start(onDone);
    }
    loop.exec();
    result.cpuUsPerRequest = (cpuSeconds() - cpu0) * 1e6 / total;
    result.requestsPerSecond = total * 1000.0 / qMax<qint64>(1, wall.elapsed());
    return result;
}

class BenchSink final : public HttpResponseSink
{
public:
    std::unique_ptr<HttpCall> call;
    std::function<void(bool)> done;
    qsizetype bytes = 0;

    void onHeaders(int, const HttpHeaders &) override { bytes = 0; }
    void onData(const char *, qsizetype size) override { bytes += size; }
    void onFinished() override { done(bytes == responseBody.size()); }
    void onFailed(const HttpError &) override { done(false); }
};

Result benchHttpClient(const QUrl &url, int total, int concurrency)
{
    HttpClient client;
    std::vector<std::unique_ptr<BenchSink>> sinks;
    std::vector<BenchSink *> free;
    const auto start = [&](std::function<void(bool)> onDone) {
        BenchSink *sink = nullptr;
        if (free.empty()) {
            sinks.push_back(std::make_unique<BenchSink>());
            sink = sinks.back().get();
        } else {
            sink = free.back();
            free.pop_back();
        }
        sink->done = [sink, &free, onDone](bool ok) {
            free.push_back(sink);
            onDone(ok);
        };
        HttpRequest request;
        request.method = "POST";
        request.url = url;
        request.headers.append("Content-Type", "application/json");
        request.body = requestBody;
        sink->call = client.send(std::move(request), sink);
    };
    return drive(total, concurrency, start);
}

Result benchQnam(const QUrl &url, int total, int concurrency)
{
    QNetworkAccessManager manager;
    const auto start = [&](std::function<void(bool)> onDone) {
        QNetworkRequest request(url);
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        QNetworkReply *reply = manager.post(request, requestBody);
        QObject::connect(reply, &QNetworkReply::finished, reply, [reply, onDone] {
            const bool ok
                = reply->error() == QNetworkReply::NoError && reply->readAll().size() == responseBody.size();
            reply->deleteLater();
            onDone(ok);
        });
    };
    return drive(total, concurrency, start);
}

} // namespace

int main(int argc, char **argv)
{
    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    const pid_t child = fork();
    if (child == 0) {
        close(fds[0]);
        return runServer(fds[1]);
    }
    close(fds[1]);
    quint16 port = 0;
    if (read(fds[0], &port, sizeof port) != sizeof port)
        return 1;
    close(fds[0]);

    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const int total = args.size() > 1 ? args.at(1).toInt() : 20000;
    QList<int> concurrencies;
    for (qsizetype i = 2; i < args.size(); ++i)
        concurrencies.append(args.at(i).toInt());
    if (concurrencies.isEmpty())
        concurrencies = { 1, 32 };

    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(port);
    url.setPath(QStringLiteral("/v1/chat/completions"));

    std::printf("%d POST requests (%lld B body) -> %lld B JSON response, keep-alive, loopback\n", total,
                static_cast<long long>(requestBody.size()), static_cast<long long>(responseBody.size()));
    std::printf("%-22s %6s %16s %12s %9s\n", "client", "conc", "CPU us/request", "requests/s", "failures");
    for (const int c : concurrencies) {
        // A short warm-up per client, so connection setup and first-use allocations are not counted.
        benchHttpClient(url, qMin(total, 500), c);
        const Result lean = benchHttpClient(url, total, c);
        benchQnam(url, qMin(total, 500), c);
        const Result qnam = benchQnam(url, total, c);
        std::printf("%-22s %6d %16.1f %12.0f %9d\n", "HttpClient", c, lean.cpuUsPerRequest,
                    lean.requestsPerSecond, lean.failures);
        std::printf("%-22s %6d %16.1f %12.0f %9d\n", "QNetworkAccessManager", c, qnam.cpuUsPerRequest,
                    qnam.requestsPerSecond, qnam.failures);
        std::fflush(stdout);
    }
    kill(child, SIGTERM);
    waitpid(child, nullptr, 0);
    return 0;
}
