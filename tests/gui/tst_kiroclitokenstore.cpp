// SPDX-License-Identifier: MIT
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include "gui/models/kiroclitokenstore.h"
#include "kiroclidatabase.h"

using namespace Drawbridge;
using namespace Drawbridge::Test;

using Rows = QList<std::pair<QString, QByteArray>>;
Q_DECLARE_METATYPE(Rows)

namespace {

const qint64 nowMs = 1'780'000'000'000; // 2026-05-28

} // namespace

class TstKiroCliTokenStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaultPathFollowsXdg()
    {
        const QByteArray home = qgetenv("HOME");
        const QByteArray xdg = qgetenv("XDG_DATA_HOME");
        qputenv("HOME", "/home/someone");
        qunsetenv("XDG_DATA_HOME");
        QCOMPARE(KiroCliTokenStore::defaultPath(),
                 QStringLiteral("/home/someone/.local/share/kiro-cli/data.sqlite3"));
        qputenv("XDG_DATA_HOME", "/data/someone");
        QCOMPARE(KiroCliTokenStore::defaultPath(), QStringLiteral("/data/someone/kiro-cli/data.sqlite3"));
        qputenv("XDG_DATA_HOME", "relative/ignored");
        QCOMPARE(KiroCliTokenStore::defaultPath(),
                 QStringLiteral("/home/someone/.local/share/kiro-cli/data.sqlite3"));
        qputenv("HOME", home);
        if (xdg.isNull())
            qunsetenv("XDG_DATA_HOME");
        else
            qputenv("XDG_DATA_HOME", xdg);
    }

    void logins_data()
    {
        QTest::addColumn<Rows>("auth");
        QTest::addColumn<Rows>("state");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("method");
        QTest::addColumn<QString>("refreshToken");
        QTest::addColumn<QString>("clientId");
        QTest::addColumn<QString>("region");
        QTest::addColumn<QString>("profileArn");

        QTest::newRow("builder id") << Rows { { QStringLiteral("kirocli:odic:token"), builderIdToken },
                                              { QStringLiteral("kirocli:odic:device-registration"),
                                                registration } }
                                    << Rows {} << "kiro-cli (Builder ID)"
                                    << "idc"
                                    << "aor-refresh-builder"
                                    << "client-1"
                                    << "us-east-1" << QString();
        QTest::newRow("identity center, profile from state")
            << Rows { { QStringLiteral("kirocli:odic:token"), idcToken },
                      { QStringLiteral("kirocli:odic:device-registration"), registration } }
            << Rows { { QStringLiteral("api.codewhisperer.profile"), profile } }
            << "kiro-cli (IAM Identity Center)"
            << "idc"
            << "aor-refresh-idc"
            << "client-1"
            << "eu-central-1"
            << "arn:aws:codewhisperer:eu-central-1:123456789012:profile/ACME";
        QTest::newRow("social wins over an older oidc login")
            << Rows { { QStringLiteral("kirocli:social:token"), socialToken },
                      { QStringLiteral("codewhisperer:odic:token"), builderIdToken },
                      { QStringLiteral("codewhisperer:odic:device-registration"), registration } }
            << Rows { { QStringLiteral("api.codewhisperer.profile"), profile } } << "kiro-cli (Github)"
            << "social"
            << "aor-refresh-social" << QString() << QString()
            << "arn:aws:codewhisperer:us-east-1:699475941385:profile/EHGA3GRVQMUK";
        QTest::newRow("amazon q developer cli leftovers")
            << Rows { { QStringLiteral("codewhisperer:odic:token"), builderIdToken },
                      { QStringLiteral("codewhisperer:odic:device-registration"), registration } }
            << Rows {} << "kiro-cli (Builder ID)"
            << "idc"
            << "aor-refresh-builder"
            << "client-1"
            << "us-east-1" << QString();
    }

    void logins()
    {
        QFETCH(Rows, auth);
        QFETCH(Rows, state);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("data.sqlite3"));
        QVERIFY(writeKiroCliDatabase(path, auth, state));
        const QByteArray before = readAll(path);

        const auto login = KiroCliTokenStore::read(path, nowMs);
        QVERIFY2(login.ok(), qPrintable(login.ok() ? QString() : login.error()));
        QTEST(login->name, "name");
        QTEST(login->authMethod, "method");
        QTEST(login->refreshToken, "refreshToken");
        QTEST(login->clientId, "clientId");
        QCOMPARE(login->clientSecret.isEmpty(), login->clientId.isEmpty());
        QTEST(login->region, "region");
        QTEST(login->profileArn, "profileArn");
        QVERIFY(!login->slots.has_value());
        // kiro-cli owns the file: reading it changes nothing and leaves no journal behind.
        QCOMPARE(readAll(path), before);
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList { QStringLiteral("data.sqlite3") });
    }

    void failures_data()
    {
        QTest::addColumn<Rows>("auth");
        QTest::addColumn<QString>("message");
        QTest::newRow("logged out") << Rows {} << "kiro-cli is not logged in";
        QTest::newRow("no registered client")
            << Rows { { QStringLiteral("kirocli:odic:token"), builderIdToken } }
            << "no registered client (kirocli:odic:device-registration)";
        QTest::newRow("the other program's client is not used")
            << Rows { { QStringLiteral("kirocli:odic:token"), builderIdToken },
                      { QStringLiteral("codewhisperer:odic:device-registration"), registration } }
            << "no registered client (kirocli:odic:device-registration)";
        QTest::newRow("expired client")
            << Rows { { QStringLiteral("kirocli:odic:token"), builderIdToken },
                      { QStringLiteral("kirocli:odic:device-registration"), expiredRegistration } }
            << "registered client expired on 2026-01-01T00:00:00Z";
        QTest::newRow("client without secret") << Rows {
            { QStringLiteral("kirocli:odic:token"), builderIdToken },
            { QStringLiteral("kirocli:odic:device-registration"), QByteArray("{\"client_id\":\"c\"}") }
        } << "has no client id or secret";
        QTest::newRow("no refresh token")
            << Rows { { QStringLiteral("kirocli:social:token"), QByteArray("{\"access_token\":\"a\"}") } }
            << "has no refresh token";
        QTest::newRow("not json") << Rows { { QStringLiteral("kirocli:social:token"), QByteArray("{oops") } }
                                  << "is not a JSON object";
        QTest::newRow("oversized value") << Rows {
            { QStringLiteral("kirocli:social:token"),
              "{\"refresh_token\":\"" + QByteArray(KiroCliTokenStore::maxValueBytes, 'x') + "\"}" }
        } << "is not a JSON object";
    }

    void failures()
    {
        QFETCH(Rows, auth);
        QFETCH(QString, message);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("data.sqlite3"));
        QVERIFY(writeKiroCliDatabase(path, auth));
        const auto login = KiroCliTokenStore::read(path, nowMs);
        QVERIFY(!login.ok());
        QVERIFY2(login.error().contains(message), qPrintable(login.error()));
        // Never a secret in a message.
        QVERIFY(!login.error().contains(QStringLiteral("aor-refresh")));
        QVERIFY(!login.error().contains(QStringLiteral("secret-1")));
    }

    void notADatabase()
    {
        QTemporaryDir dir;
        QCOMPARE(KiroCliTokenStore::read(dir.filePath(QStringLiteral("missing.sqlite3")), nowMs).error(),
                 dir.filePath(QStringLiteral("missing.sqlite3")) + QStringLiteral(" does not exist"));
        QVERIFY(KiroCliTokenStore::read(dir.path(), nowMs).error().endsWith(QStringLiteral("is not a file")));

        const QString text = dir.filePath(QStringLiteral("text.sqlite3"));
        QFile f(text);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"refresh_token\":\"x\"}");
        f.close();
        QVERIFY(KiroCliTokenStore::read(text, nowMs)
                    .error()
                    .endsWith(QStringLiteral("is not a SQLite database")));

        // A SQLite file of some other program: no auth_kv table.
        const QString other = dir.filePath(QStringLiteral("other.sqlite3"));
        {
            const QString name = QStringLiteral("other");
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
            db.setDatabaseName(other);
            QVERIFY(db.open());
            QVERIFY(QSqlQuery(db).exec(QStringLiteral("CREATE TABLE t (x)")));
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("other"));
        const auto login = KiroCliTokenStore::read(other, nowMs);
        QVERIFY2(!login.ok() && login.error().contains(QStringLiteral("is not a kiro-cli database")),
                 qPrintable(login.ok() ? QString() : login.error()));
    }

private:
    static QByteArray readAll(const QString &path)
    {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }
};

QTEST_GUILESS_MAIN(TstKiroCliTokenStore)
#include "tst_kiroclitokenstore.moc"
