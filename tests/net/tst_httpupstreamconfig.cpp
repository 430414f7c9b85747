// SPDX-License-Identifier: MIT
// kiro.ca_file and kiro.proxy through HttpUpstreamConfig: a local TLS server whose certificate is issued by a
// CA generated at test time (openssl CLI) is trusted only with the CA file; a tiny CONNECT proxy carries
// https and http calls; NO_PROXY and the environment variables decide which calls take the proxy.
#include <QEventLoop>
#include <QFile>
#include <QPointer>
#include <QProcess>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <memory>
#include <optional>

#include "server/net/httpcall.h"
#include "server/net/httpclient.h"
#include "server/net/httpclientoptions.h"
#include "server/net/httpupstreamconfig.h"
#include "tests/support/resulttext.h"

using namespace Drawbridge;

namespace {

constexpr int waitMs = 10'000;

/** Answers every request on a connection with 200 "ok <n>"; TLS when given a configuration. */
class OkServer final : public QObject
{
public:
    explicit OkServer(std::optional<QSslConfiguration> tls = std::nullopt)
    {
        if (tls) {
            auto *server = new QSslServer(this);
            server->setSslConfiguration(*tls);
            m_server = server;
        } else {
            m_server = new QTcpServer(this);
        }
        // QSslServer queues a socket only once its handshake is done.
        connect(m_server, &QTcpServer::pendingConnectionAvailable, this, [this] {
            while (QTcpSocket *s = m_server->nextPendingConnection()) {
                auto inbox = std::make_shared<QByteArray>();
                connect(s, &QIODevice::readyRead, s, [this, s, inbox] {
                    inbox->append(s->readAll());
                    while (inbox->contains("\r\n\r\n")) {
                        inbox->remove(0, inbox->indexOf("\r\n\r\n") + 4);
                        const QByteArray body = "ok " + QByteArray::number(++requests);
                        s->write("HTTP/1.1 200 OK\r\nContent-Length: " + QByteArray::number(body.size())
                                 + "\r\n\r\n" + body);
                    }
                });
                connect(s, &QAbstractSocket::disconnected, s, &QObject::deleteLater);
            }
        });
        QVERIFY(m_server->listen(QHostAddress::LocalHost, 0));
    }

    QUrl url(const QString &scheme, const QString &host = QStringLiteral("localhost")) const
    {
        QUrl u;
        u.setScheme(scheme);
        u.setHost(host);
        u.setPort(m_server->serverPort());
        u.setPath(QStringLiteral("/"));
        return u;
    }

    int requests = 0;

private:
    QTcpServer *m_server = nullptr;
};

/** A minimal HTTP CONNECT proxy: records each target, then pipes bytes both ways. */
class ConnectProxy final : public QObject
{
public:
    ConnectProxy()
    {
        connect(&m_server, &QTcpServer::pendingConnectionAvailable, this, [this] {
            while (QTcpSocket *client = m_server.nextPendingConnection())
                accept(client);
        });
        QVERIFY(m_server.listen(QHostAddress::LocalHost, 0));
    }

    QString url() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()); }

    QStringList targets; ///< "host:port" of every CONNECT, in order

private:
    void accept(QTcpSocket *client)
    {
        client->setParent(this);
        auto head = std::make_shared<QByteArray>();
        auto upstream = QPointer<QTcpSocket>();
        connect(client, &QIODevice::readyRead, client, [this, client, head, upstream]() mutable {
            if (upstream) {
                upstream->write(client->readAll());
                return;
            }
            head->append(client->readAll());
            const qsizetype end = head->indexOf("\r\n\r\n");
            if (end < 0)
                return;
            const QList<QByteArray> words = head->left(head->indexOf("\r\n")).split(' ');
            if (words.size() != 3 || words[0] != "CONNECT") {
                client->write("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n");
                client->disconnectFromHost();
                return;
            }
            const QString target = QString::fromLatin1(words[1]);
            targets.append(target);
            const QByteArray early = head->mid(end + 4);
            upstream = new QTcpSocket(client);
            QTcpSocket *up = upstream;
            connect(up, &QAbstractSocket::connected, client, [client, up, early] {
                client->write("HTTP/1.1 200 Connection established\r\n\r\n");
                if (!early.isEmpty())
                    up->write(early);
            });
            connect(up, &QIODevice::readyRead, client, [client, up] { client->write(up->readAll()); });
            connect(up, &QAbstractSocket::disconnected, client, [client] { client->disconnectFromHost(); });
            connect(up, &QAbstractSocket::errorOccurred, client, [client] {
                client->write("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
                client->disconnectFromHost();
            });
            const qsizetype colon = target.lastIndexOf(u':');
            up->connectToHost(target.left(colon), quint16(target.mid(colon + 1).toUInt()));
        });
        connect(client, &QAbstractSocket::disconnected, client, &QObject::deleteLater);
    }

    QTcpServer m_server;
};

/** Runs one GET to completion (bounded by waitMs) and returns the response. */
HttpResponse fetch(HttpClient &client, const QUrl &url)
{
    HttpRequest request;
    request.url = url;
    request.timeouts.connectMs = 5'000;
    request.timeouts.totalMs = waitMs;
    std::optional<HttpResponse> out;
    QEventLoop loop;
    auto call = client.fetch(std::move(request), 1 << 20, [&](HttpResponse r) {
        out = std::move(r);
        loop.quit();
    });
    QTimer guard;
    guard.setSingleShot(true);
    QObject::connect(&guard, &QTimer::timeout, &loop, &QEventLoop::quit);
    guard.start(waitMs + 2'000);
    if (!out)
        loop.exec();
    if (!out) {
        HttpResponse timedOut;
        timedOut.error = HttpError { HttpErrorKind::Timeout, QStringLiteral("the test's own bound passed") };
        return timedOut;
    }
    return *out;
}

QString describe(const HttpResponse &r)
{
    return r.error ? httpErrorKindName(r.error->kind) + QStringLiteral(": ") + r.error->message
                   : QStringLiteral("HTTP %1 %2").arg(r.status).arg(QString::fromUtf8(r.body));
}

bool runOpenssl(const QStringList &args, const QString &dir)
{
    QProcess p;
    p.setWorkingDirectory(dir);
    p.start(QStringLiteral("openssl"), args);
    if (!p.waitForFinished(30'000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        qWarning().noquote() << "openssl" << args.join(u' ') << "failed:" << p.readAllStandardError();
        return false;
    }
    return true;
}

} // namespace

class TestHttpUpstreamConfig : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void caFileIsTrustedBesideTheSystemCas();
    void withoutTheCaFileTheServerIsRefused();
    void caFileErrorsNameTheKey();
    void explicitProxyTunnelsHttpsAndHttp();
    void environmentProxyAndNoProxy();
    void proxySettingErrors_data();
    void proxySettingErrors();
    void bypasses_data();
    void bypasses();

private:
    QTemporaryDir m_dir;
    QString m_caFile;
    QSslConfiguration m_serverTls;
};

void TestHttpUpstreamConfig::initTestCase()
{
    if (QStandardPaths::findExecutable(QStringLiteral("openssl")).isEmpty())
        QFAIL("the openssl command is needed to generate the test CA (scripts/setup installs it)");
    QVERIFY(m_dir.isValid());
    const QString d = m_dir.path();
    QFile ext(m_dir.filePath(QStringLiteral("server.ext")));
    QVERIFY(ext.open(QIODevice::WriteOnly));
    ext.write("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
              "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n");
    ext.close();
    const QStringList ec { QStringLiteral("-newkey"), QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                           QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes") };
    QVERIFY(runOpenssl(
        QStringList { QStringLiteral("req"), QStringLiteral("-x509") } + ec
            + QStringList { QStringLiteral("-keyout"), QStringLiteral("ca.key"), QStringLiteral("-out"),
                            QStringLiteral("ca.pem"), QStringLiteral("-days"), QStringLiteral("2"),
                            QStringLiteral("-subj"), QStringLiteral("/CN=Drawbridge test CA"),
                            QStringLiteral("-addext"), QStringLiteral("basicConstraints=critical,CA:TRUE"),
                            QStringLiteral("-addext"),
                            QStringLiteral("keyUsage=critical,keyCertSign,cRLSign") },
        d));
    QVERIFY(runOpenssl(QStringList { QStringLiteral("req") } + ec
                           + QStringList { QStringLiteral("-keyout"), QStringLiteral("server.key"),
                                           QStringLiteral("-out"), QStringLiteral("server.csr"),
                                           QStringLiteral("-subj"), QStringLiteral("/CN=localhost") },
                       d));
    QVERIFY(
        runOpenssl({ QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"),
                     QStringLiteral("server.csr"), QStringLiteral("-CA"), QStringLiteral("ca.pem"),
                     QStringLiteral("-CAkey"), QStringLiteral("ca.key"), QStringLiteral("-CAcreateserial"),
                     QStringLiteral("-out"), QStringLiteral("server.pem"), QStringLiteral("-days"),
                     QStringLiteral("2"), QStringLiteral("-extfile"), QStringLiteral("server.ext") },
                   d));
    m_caFile = m_dir.filePath(QStringLiteral("ca.pem"));

    const QList<QSslCertificate> chain
        = QSslCertificate::fromPath(m_dir.filePath(QStringLiteral("server.pem")));
    QCOMPARE(chain.size(), 1);
    QFile keyFile(m_dir.filePath(QStringLiteral("server.key")));
    QVERIFY(keyFile.open(QIODevice::ReadOnly));
    const QSslKey key(keyFile.readAll(), QSsl::Ec, QSsl::Pem);
    QVERIFY(!key.isNull());
    m_serverTls = QSslConfiguration::defaultConfiguration();
    m_serverTls.setLocalCertificate(chain.first());
    m_serverTls.setPrivateKey(key);
    m_serverTls.setPeerVerifyMode(QSslSocket::VerifyNone);
}

void TestHttpUpstreamConfig::caFileIsTrustedBesideTheSystemCas()
{
    OkServer server(m_serverTls);
    HttpClientOptions options;
    const Status added = HttpUpstreamConfig::addCaFile(options, m_caFile, QStringLiteral("kiro.ca_file"));
    DRAWBRIDGE_VERIFY_OK(added);
    QVERIFY(options.sslConfiguration);
    // The system CAs stay trusted: the extra CA is added, not substituted.
    const QList<QSslCertificate> cas = options.sslConfiguration->caCertificates();
    const QList<QSslCertificate> system = QSslConfiguration::systemCaCertificates();
    QCOMPARE(cas.size(), system.size() + 1);
    for (const auto &c : system)
        QVERIFY(cas.contains(c));

    HttpClient client(options);
    const HttpResponse r = fetch(client, server.url(QStringLiteral("https")));
    QVERIFY2(r.ok() && r.status == 200, qPrintable(describe(r)));
    QCOMPARE(r.body, QByteArray("ok 1"));
    // The certificate names localhost and 127.0.0.1; both verify.
    const HttpResponse byIp = fetch(client, server.url(QStringLiteral("https"), QStringLiteral("127.0.0.1")));
    QVERIFY2(byIp.ok() && byIp.status == 200, qPrintable(describe(byIp)));
}

void TestHttpUpstreamConfig::withoutTheCaFileTheServerIsRefused()
{
    OkServer server(m_serverTls);
    HttpClient client(HttpClientOptions {});
    const HttpResponse r = fetch(client, server.url(QStringLiteral("https")));
    QVERIFY2(r.error && r.error->kind == HttpErrorKind::Ssl, qPrintable(describe(r)));
    QCOMPARE(server.requests, 0);
}

void TestHttpUpstreamConfig::caFileErrorsNameTheKey()
{
    HttpClientOptions options;
    const Status missing = HttpUpstreamConfig::addCaFile(options, m_dir.filePath(QStringLiteral("nope.pem")),
                                                         QStringLiteral("kiro.ca_file"));
    QVERIFY(!missing.ok());
    QVERIFY2(missing.error().startsWith(QStringLiteral("kiro.ca_file: cannot read ")),
             qPrintable(missing.error()));
    QVERIFY(!missing.error().contains(u'\n'));

    const Status notPem = HttpUpstreamConfig::addCaFile(options, m_dir.filePath(QStringLiteral("server.ext")),
                                                        QStringLiteral("kiro.ca_file"));
    QVERIFY(!notPem.ok());
    QVERIFY2(notPem.error().contains(QStringLiteral("kiro.ca_file: ")) && notPem.error().contains(u"no PEM"),
             qPrintable(notPem.error()));
    QVERIFY(!options.sslConfiguration);
}

void TestHttpUpstreamConfig::explicitProxyTunnelsHttpsAndHttp()
{
    OkServer tlsServer(m_serverTls);
    OkServer plainServer;
    ConnectProxy proxy;
    HttpClientOptions options;
    QVERIFY(HttpUpstreamConfig::addCaFile(options, m_caFile, QStringLiteral("kiro.ca_file")).ok());
    // An explicit setting wins over the environment, NO_PROXY included.
    QProcessEnvironment env;
    env.insert(QStringLiteral("NO_PROXY"), QStringLiteral("*"));
    env.insert(QStringLiteral("HTTPS_PROXY"), QStringLiteral("http://127.0.0.1:1"));
    const Status set = HttpUpstreamConfig::setProxy(options, proxy.url(), env, QStringLiteral("kiro.proxy"));
    DRAWBRIDGE_VERIFY_OK(set);

    HttpClient client(options);
    const HttpResponse tls = fetch(client, tlsServer.url(QStringLiteral("https")));
    QVERIFY2(tls.ok() && tls.status == 200, qPrintable(describe(tls)));
    // Keep-alive: the second call reuses the tunnel.
    const HttpResponse again = fetch(client, tlsServer.url(QStringLiteral("https")));
    QVERIFY2(again.ok() && again.body == "ok 2", qPrintable(describe(again)));
    const HttpResponse plain = fetch(client, plainServer.url(QStringLiteral("http")));
    QVERIFY2(plain.ok() && plain.status == 200, qPrintable(describe(plain)));
    const QUrl t = tlsServer.url(QStringLiteral("https"));
    const QUrl p = plainServer.url(QStringLiteral("http"));
    QCOMPARE(proxy.targets,
             (QStringList { QStringLiteral("localhost:%1").arg(t.port()),
                            QStringLiteral("localhost:%1").arg(p.port()) }));

    // A dead proxy fails the call; it never falls back to a direct connection.
    HttpClientOptions dead;
    QVERIFY(HttpUpstreamConfig::setProxy(dead, QStringLiteral("http://127.0.0.1:1"), {},
                                         QStringLiteral("kiro.proxy"))
                .ok());
    HttpClient deadClient(dead);
    const HttpResponse refused = fetch(deadClient, plainServer.url(QStringLiteral("http")));
    QVERIFY2(refused.error, qPrintable(describe(refused)));
    QCOMPARE(plainServer.requests, 1);
}

void TestHttpUpstreamConfig::environmentProxyAndNoProxy()
{
    OkServer tlsServer(m_serverTls);
    ConnectProxy proxy;
    QProcessEnvironment env;
    env.insert(QStringLiteral("HTTPS_PROXY"), proxy.url());
    env.insert(QStringLiteral("NO_PROXY"), QStringLiteral("example.com, .internal"));
    HttpClientOptions options;
    QVERIFY(HttpUpstreamConfig::addCaFile(options, m_caFile, QStringLiteral("kiro.ca_file")).ok());
    QVERIFY(HttpUpstreamConfig::setProxy(options, QString(), env, QStringLiteral("kiro.proxy")).ok());
    QCOMPARE(options.httpsProxy.type(), QNetworkProxy::HttpProxy);
    QCOMPARE(options.httpProxy.type(), QNetworkProxy::NoProxy); // plain http takes http_proxy only
    QCOMPARE(options.noProxy, (QStringList { QStringLiteral("example.com"), QStringLiteral(".internal") }));
    QCOMPARE(HttpUpstreamConfig::proxyFor(options, QStringLiteral("api.example.com"), 443, true).type(),
             QNetworkProxy::NoProxy);
    QCOMPARE(
        HttpUpstreamConfig::proxyFor(options, QStringLiteral("q.us-east-1.amazonaws.com"), 443, true).type(),
        QNetworkProxy::HttpProxy);

    HttpClient client(options);
    const HttpResponse r = fetch(client, tlsServer.url(QStringLiteral("https")));
    QVERIFY2(r.ok() && r.status == 200, qPrintable(describe(r)));
    QCOMPARE(proxy.targets.size(), 1);

    // NO_PROXY naming the host sends the call directly.
    env.insert(QStringLiteral("no_proxy"), QStringLiteral("localhost"));
    HttpClientOptions direct;
    QVERIFY(HttpUpstreamConfig::addCaFile(direct, m_caFile, QStringLiteral("kiro.ca_file")).ok());
    QVERIFY(HttpUpstreamConfig::setProxy(direct, QString(), env, QStringLiteral("kiro.proxy")).ok());
    HttpClient directClient(direct);
    const HttpResponse d = fetch(directClient, tlsServer.url(QStringLiteral("https")));
    QVERIFY2(d.ok() && d.status == 200, qPrintable(describe(d)));
    QCOMPARE(proxy.targets.size(), 1);

    // Nothing set: direct.
    HttpClientOptions none;
    QVERIFY(HttpUpstreamConfig::setProxy(none, QString(), QProcessEnvironment(), QStringLiteral("kiro.proxy"))
                .ok());
    QCOMPARE(none.httpsProxy.type(), QNetworkProxy::NoProxy);
}

void TestHttpUpstreamConfig::proxySettingErrors_data()
{
    QTest::addColumn<QString>("setting");
    QTest::addColumn<QString>("envName");
    QTest::addColumn<QString>("envValue");
    QTest::addColumn<QString>("expectedPrefix");
    QTest::newRow("https scheme") << QStringLiteral("https://proxy:3128") << QString() << QString()
                                  << QStringLiteral("kiro.proxy must be");
    QTest::newRow("no port") << QStringLiteral("http://proxy") << QString() << QString()
                             << QStringLiteral("kiro.proxy must be");
    QTest::newRow("socks in config") << QStringLiteral("socks5://proxy:1080") << QString() << QString()
                                     << QStringLiteral("kiro.proxy must be");
    QTest::newRow("path") << QStringLiteral("http://proxy:3128/x") << QString() << QString()
                          << QStringLiteral("kiro.proxy must be");
    QTest::newRow("bad env") << QString() << QStringLiteral("HTTPS_PROXY") << QStringLiteral("ftp://p:21")
                             << QStringLiteral("HTTPS_PROXY must be");
    QTest::newRow("credentials are not echoed") << QStringLiteral("http://user:s3cret@proxy") << QString()
                                                << QString() << QStringLiteral("kiro.proxy must be");
}

void TestHttpUpstreamConfig::proxySettingErrors()
{
    QFETCH(QString, setting);
    QFETCH(QString, envName);
    QFETCH(QString, envValue);
    QFETCH(QString, expectedPrefix);
    QProcessEnvironment env;
    if (!envName.isEmpty())
        env.insert(envName, envValue);
    HttpClientOptions options;
    const Status s = HttpUpstreamConfig::setProxy(options, setting, env, QStringLiteral("kiro.proxy"));
    QVERIFY(!s.ok());
    QVERIFY2(s.error().startsWith(expectedPrefix), qPrintable(s.error()));
    QVERIFY(!s.error().contains(QStringLiteral("s3cret")));
    QVERIFY(!s.error().contains(u'\n'));
}

void TestHttpUpstreamConfig::bypasses_data()
{
    QTest::addColumn<QString>("noProxy");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<bool>("bypass");
    QTest::newRow("star") << "*"
                          << "q.us-east-1.amazonaws.com" << 443 << true;
    QTest::newRow("exact") << "localhost"
                           << "localhost" << 443 << true;
    QTest::newRow("domain matches subdomain") << "amazonaws.com"
                                              << "q.us-east-1.amazonaws.com" << 443 << true;
    QTest::newRow("dot domain") << ".kiro.dev"
                                << "runtime.us-east-1.kiro.dev" << 443 << true;
    QTest::newRow("dot domain, bare") << ".kiro.dev"
                                      << "kiro.dev" << 443 << true;
    QTest::newRow("wildcard domain") << "*.kiro.dev"
                                     << "prod.auth.kiro.dev" << 443 << true;
    QTest::newRow("suffix is not a domain") << "zonaws.com"
                                            << "q.amazonaws.com" << 443 << false;
    QTest::newRow("other host") << "example.com"
                                << "q.amazonaws.com" << 443 << false;
    QTest::newRow("ip") << "127.0.0.1"
                        << "127.0.0.1" << 8080 << true;
    QTest::newRow("cidr") << "10.0.0.0/8"
                          << "10.1.2.3" << 443 << true;
    QTest::newRow("cidr, outside") << "10.0.0.0/8"
                                   << "11.1.2.3" << 443 << false;
    QTest::newRow("port matches") << "localhost:8443"
                                  << "localhost" << 8443 << true;
    QTest::newRow("port differs") << "localhost:8443"
                                  << "localhost" << 443 << false;
    QTest::newRow("list") << "a.test,b.test"
                          << "b.test" << 443 << true;
    QTest::newRow("case") << "Example.COM"
                          << "API.example.com" << 443 << true;
    QTest::newRow("ipv6") << "::1"
                          << "::1" << 443 << true;
    QTest::newRow("empty") << ""
                           << "localhost" << 443 << false;
}

void TestHttpUpstreamConfig::bypasses()
{
    QFETCH(QString, noProxy);
    QFETCH(QString, host);
    QFETCH(int, port);
    QFETCH(bool, bypass);
    QCOMPARE(HttpUpstreamConfig::bypasses(noProxy.split(u',', Qt::SkipEmptyParts), host, port), bypass);
}

QTEST_GUILESS_MAIN(TestHttpUpstreamConfig)
#include "tst_httpupstreamconfig.moc"
