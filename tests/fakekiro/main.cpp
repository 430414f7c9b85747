// SPDX-License-Identifier: MIT
// fake-kiro-upstream: the test fake as a standalone server, for manual runs and end-to-end scripts.
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTextStream>

#include "tests/fakekiro/fakekiroupstream.h"

using namespace Drawbridge::Test;
using namespace Qt::StringLiterals;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"fake-kiro-upstream"_s);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Serves a fake Kiro API (chat, usage limits, token refresh) on 127.0.0.1."_s);
    parser.addHelpOption();
    const QCommandLineOption portOption(u"port"_s, u"Port to listen on (0 = any free port)."_s, u"port"_s,
                                        u"0"_s);
    const QCommandLineOption textOption(u"text"_s, u"Answer every chat request with this text."_s, u"text"_s);
    const QCommandLineOption accountOption(
        u"account"_s,
        u"Register a social account NAME:REFRESH_TOKEN; chat then needs a valid "
        u"access token from POST /refreshToken."_s,
        u"name:token"_s);
    const QCommandLineOption noValidateOption(u"no-validate"_s, u"Do not reject malformed request bodies."_s);
    const QCommandLineOption delayOption(u"delay-ms"_s, u"Pause between streamed frames."_s, u"ms"_s, u"0"_s);
    parser.addOptions({ portOption, textOption, accountOption, noValidateOption, delayOption });
    parser.process(app);

    bool portOk = false;
    const uint port = parser.value(portOption).toUInt(&portOk);
    if (!portOk || port > 65535) {
        QTextStream(stderr) << "fake-kiro: invalid port " << parser.value(portOption) << Qt::endl;
        return 2;
    }

    FakeKiroUpstream upstream;
    upstream.setValidateRequests(!parser.isSet(noValidateOption));
    const QStringList accounts = parser.values(accountOption);
    upstream.setRequireAuth(!accounts.isEmpty());
    for (const QString &spec : accounts) {
        FakeKiroUpstream::Account account;
        account.name = spec.section(u':', 0, 0);
        account.refreshToken = spec.section(u':', 1);
        if (account.name.isEmpty() || account.refreshToken.isEmpty()) {
            QTextStream(stderr) << "fake-kiro: --account wants NAME:REFRESH_TOKEN, got " << spec << Qt::endl;
            return 2;
        }
        account.email = account.name + u"@example.com"_s;
        upstream.addAccount(account);
    }
    const QString text
        = parser.isSet(textOption) ? parser.value(textOption) : u"Hello from the fake Kiro upstream."_s;
    FakeKiroResponse response;
    const int delayMs = parser.value(delayOption).toInt();
    for (const QString &word : text.split(u' ')) {
        if (delayMs > 0 && !response.steps.empty())
            response.delay(delayMs);
        response.text(response.steps.empty() ? word : u" "_s + word);
    }
    response.closing();
    upstream.setDefaultResponse(response);

    if (!upstream.listen(quint16(port))) {
        QTextStream(stderr) << "fake-kiro: cannot listen on 127.0.0.1:" << port << Qt::endl;
        return 1;
    }
    QTextStream(stdout) << "fake-kiro listening on http://127.0.0.1:" << upstream.port() << Qt::endl;
    return QCoreApplication::exec();
}
