// SPDX-License-Identifier: MIT
// docs/configuration.md is the contract for configuration: every config key, environment variable and flag
// the code reads is documented there, and the document names none the code does not read. A failure names the
// key and where to add it.
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QRegularExpression>
#include <QSet>
#include <QtTest>

#include <variant>

#include "app/commandline.h"
#include "app/configfile.h"

using namespace Drawbridge;

namespace {

const QString docPath = QStringLiteral("docs/configuration.md");

QString readSource(const QString &relative)
{
    QFile f(QStringLiteral(DRAWBRIDGE_SOURCE_DIR "/") + relative);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(f.fileName()));
    return QString::fromUtf8(f.readAll());
}

QStringList sorted(const QSet<QString> &set)
{
    QStringList out(set.begin(), set.end());
    out.sort();
    return out;
}

/** "table.key" of every `r.readX("table", "key", …)` call: the keys the config file reader takes. */
QSet<QString> keysReadByTheCode()
{
    static const QRegularExpression call(
        QStringLiteral(R"re(\bread[A-Za-z]*\(\s*"([a-z_]+)"\s*,\s*"([a-z_]+)")re"));
    QSet<QString> keys;
    for (const QString &file :
         { QStringLiteral("app/configfile.cpp"), QStringLiteral("app/settingsresolver.cpp") }) {
        for (const auto &m : call.globalMatch(readSource(file)))
            keys.insert(m.captured(1) + u'.' + m.captured(2));
    }
    return keys;
}

/** "table.key" of every row of the key tables under the `### `[table]`` headings. */
QSet<QString> keysInTheDoc()
{
    static const QRegularExpression heading(QStringLiteral(R"re(^#{1,6}\s+`\[([a-z_.]+)\]`)re"));
    static const QRegularExpression row(QStringLiteral(R"re(^\|\s*`([a-z_]+)`\s*\|)re"));
    QSet<QString> keys;
    QString table;
    for (const QString &line : readSource(docPath).split(u'\n')) {
        if (line.startsWith(u'#')) {
            const auto h = heading.match(line);
            table = h.hasMatch() ? h.captured(1) : QString();
            continue;
        }
        if (const auto r = row.match(line); r.hasMatch() && !table.isEmpty())
            keys.insert(table + u'.' + r.captured(1));
    }
    return keys;
}

/** The text of the `## Command line` section. */
QString commandLineSection()
{
    const QString doc = readSource(docPath);
    const qsizetype start = doc.indexOf(QLatin1String("\n## Command line"));
    if (start < 0)
        return {};
    const qsizetype end = doc.indexOf(QLatin1String("\n## "), start + 1);
    return doc.mid(start, end < 0 ? -1 : end - start);
}

QSet<QString> longFlags(const QString &text)
{
    static const QRegularExpression flag(QStringLiteral(R"re((?:^|[\s`,(/])--([a-z][a-z0-9-]*))re"));
    QSet<QString> flags;
    for (const auto &m : flag.globalMatch(text))
        flags.insert(QStringLiteral("--") + m.captured(1));
    return flags;
}

} // namespace

class TstConfigDocs : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void configKeysAreFound();
    void everyKeyReadIsDocumented();
    void everyDocumentedKeyIsRead();
    void everyKeyFoundIsReallyRead();
    void everyFlagIsDocumented();
    void everyDocumentedFlagExists();
    void everyEnvironmentVariableIsDocumented();
};

void TstConfigDocs::configKeysAreFound()
{
    // Guards the scan itself: if the reader's call shape changes, this fails instead of every check passing
    // on an empty list.
    const QSet<QString> keys = keysReadByTheCode();
    QVERIFY2(keys.size() >= 25, qPrintable(sorted(keys).join(u' ')));
    QVERIFY(keys.contains(QStringLiteral("server.port")));
    QVERIFY(keys.contains(QStringLiteral("kiro.model_aliases")));
    QVERIFY2(keysInTheDoc().size() >= 25, "the key tables of docs/configuration.md were not found");
}

void TstConfigDocs::everyKeyReadIsDocumented()
{
    QStringList missing;
    for (const QString &key : sorted(keysReadByTheCode() - keysInTheDoc())) {
        const QString table = key.section(u'.', 0, -2);
        missing.append(
            QStringLiteral("%1 (add a row `| `%2` | type | default | range | what it tunes |` under "
                           "### `[%3]`)")
                .arg(key, key.section(u'.', -1), table));
    }
    QVERIFY2(missing.isEmpty(),
             qPrintable(QStringLiteral("config keys read in app/configfile.cpp but not documented in %1: %2")
                            .arg(docPath, missing.join(QStringLiteral("; ")))));
}

void TstConfigDocs::everyDocumentedKeyIsRead()
{
    const QStringList stale = sorted(keysInTheDoc() - keysReadByTheCode());
    QVERIFY2(stale.isEmpty(),
             qPrintable(QStringLiteral("%1 documents keys the code does not read: %2")
                            .arg(docPath, stale.join(QStringLiteral(", ")))));
}

void TstConfigDocs::everyKeyFoundIsReallyRead()
{
    // A key named in a read call is really applied, under its own name, and is not warned about as unknown: a
    // value of a type no key accepts (a TOML date-time) must fail naming exactly that key.
    for (const QString &key : sorted(keysReadByTheCode())) {
        const QString table = key.section(u'.', 0, -2);
        const QByteArray toml
            = QStringLiteral("[%1]\n%2 = 1979-05-27T07:32:00Z\n").arg(table, key.section(u'.', -1)).toUtf8();
        Settings settings;
        QStringList warnings;
        const Status status = ConfigFile::apply(toml, QStringLiteral("test.toml"), settings, warnings);
        QVERIFY2(!status.ok(), qPrintable(key + QStringLiteral(": a date-time was accepted")));
        QVERIFY2(status.error().contains(u'"' + key + u'"'),
                 qPrintable(key + QStringLiteral(": ") + status.error()));
        QVERIFY2(
            warnings.filter(QStringLiteral("unknown key")).isEmpty(),
            qPrintable(key + QStringLiteral(" is read but warned about as unknown: ") + warnings.join(u' ')));
    }
}

void TstConfigDocs::everyFlagIsDocumented()
{
    // The parser's own help lists every option it accepts.
    const auto parsed = CommandLineParser::parse({ QStringLiteral("drawbridge") });
    QVERIFY(std::holds_alternative<CommandLine>(parsed));
    const QSet<QString> flags = longFlags(std::get<CommandLine>(parsed).helpText);
    QVERIFY2(flags.contains(QStringLiteral("--port")) && flags.contains(QStringLiteral("--help")),
             qPrintable(sorted(flags).join(u' ')));
    const QStringList missing = sorted(flags - longFlags(commandLineSection()));
    QVERIFY2(
        missing.isEmpty(),
        qPrintable(QStringLiteral("flags of app/commandline.cpp not documented under \"## Command line\" in "
                                  "%1: %2")
                       .arg(docPath, missing.join(QStringLiteral(", ")))));
}

void TstConfigDocs::everyDocumentedFlagExists()
{
    const auto parsed = CommandLineParser::parse({ QStringLiteral("drawbridge") });
    QVERIFY(std::holds_alternative<CommandLine>(parsed));
    const QStringList stale
        = sorted(longFlags(commandLineSection()) - longFlags(std::get<CommandLine>(parsed).helpText));
    QVERIFY2(stale.isEmpty(),
             qPrintable(QStringLiteral("%1 documents flags app/commandline.cpp does not accept: %2")
                            .arg(docPath, stale.join(QStringLiteral(", ")))));
}

void TstConfigDocs::everyEnvironmentVariableIsDocumented()
{
    // Every DRAWBRIDGE_* name the programs read (string literals in app/ and server/).
    static const QRegularExpression name(QStringLiteral(R"re("(DRAWBRIDGE_[A-Z0-9_]+)")re"));
    QSet<QString> names;
    for (const QString &folder : { QStringLiteral("app"), QStringLiteral("server") }) {
        QDirIterator it(QStringLiteral(DRAWBRIDGE_SOURCE_DIR "/") + folder, { QStringLiteral("*.cpp") },
                        QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            QFile f(it.next());
            QVERIFY(f.open(QIODevice::ReadOnly));
            for (const auto &m : name.globalMatch(QString::fromUtf8(f.readAll())))
                names.insert(m.captured(1));
        }
    }
    QVERIFY2(names.contains(QStringLiteral("DRAWBRIDGE_PORT")), qPrintable(sorted(names).join(u' ')));
    const QString doc = readSource(docPath);
    QStringList missing;
    for (const QString &n : sorted(names)) {
        if (!doc.contains(u'`' + n + u'`'))
            missing.append(n);
    }
    QVERIFY2(missing.isEmpty(),
             qPrintable(QStringLiteral("environment variables read by the code but not documented in %1: %2")
                            .arg(docPath, missing.join(QStringLiteral(", ")))));
}

QTEST_GUILESS_MAIN(TstConfigDocs)
#include "tst_configdocs.moc"
