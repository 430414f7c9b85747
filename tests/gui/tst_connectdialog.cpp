// SPDX-License-Identifier: MIT
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QTemporaryDir>
#include <QTest>

#include "app/applicationdesktopservices.h"
#include "gui/models/clientsnippets.h"
#include "gui/widgets/connectdialog.h"
#include "guiapplication.h"
#include "server/gateway/gatewayserver.h"
#include "server/gateway/keyservice.h"

using namespace Drawbridge;
using namespace Drawbridge::Test;

class TstConnectDialog : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Application> m_app;
    std::unique_ptr<ApplicationDesktopServices> m_services;
    std::unique_ptr<QTemporaryDir> m_home;

    QString settingsPath() const { return m_home->filePath(QStringLiteral(".claude/settings.json")); }

private Q_SLOTS:
    void init()
    {
        m_app = startEphemeralApplication();
        QVERIFY(m_app);
        m_services = std::make_unique<ApplicationDesktopServices>(*m_app);
        m_home = std::make_unique<QTemporaryDir>();
        QProcessEnvironment env;
        env.insert(QStringLiteral("HOME"), m_home->path());
        m_services->setToolEnvironment(env);
    }

    void cleanup()
    {
        m_services.reset();
        m_app.reset();
        m_home.reset();
    }

    void showsTheChangeThenConnectsWithANewKeyAndUndoes()
    {
        ConnectDialog dialog(*m_services);
        QCOMPARE(dialog.tool()->currentData().toString(), QStringLiteral("claude-code"));
        QCOMPARE(dialog.tool()->count(), 4);
        QVERIFY(dialog.diff()->toPlainText().contains(QStringLiteral("+++ ") + settingsPath()));
        QVERIFY(dialog.diff()->toPlainText().contains(QStringLiteral("db-<new key")));
        QVERIFY(dialog.connectButton()->isEnabled());
        QVERIFY(!dialog.undoButton()->isEnabled());
        QVERIFY(!QFile::exists(settingsPath()));

        const size_t keysBefore = m_app->keys().list().size();
        dialog.connectButton()->click();
        QVERIFY2(QFile::exists(settingsPath()), qPrintable(dialog.status()->text()));
        QCOMPARE(m_app->keys().list().size(), keysBefore + 1);
        QFile f(settingsPath());
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject env
            = QJsonDocument::fromJson(f.readAll()).object().value(QStringLiteral("env")).toObject();
        const QString key = env.value(QStringLiteral("ANTHROPIC_AUTH_TOKEN")).toString();
        QVERIFY(std::holds_alternative<const ApiKeyRecord *>(m_app->keys().authenticate(key)));
        QCOMPARE(env.value(QStringLiteral("ANTHROPIC_BASE_URL")).toString(), m_app->gateway().baseUrl());
        QVERIFY(dialog.undoButton()->isEnabled());
        // The snippets now carry the key that was just written.
        dialog.snippetKind()->setCurrentIndex(dialog.snippetKind()->findData(int(ClientSnippets::Curl)));
        QVERIFY(dialog.snippet()->toPlainText().contains(key));

        dialog.undoButton()->click();
        QVERIFY(!QFile::exists(settingsPath()));
        QVERIFY(!dialog.undoButton()->isEnabled());
    }

    void usesAPastedKey()
    {
        KeyService::NewKey request;
        request.name = QStringLiteral("mine");
        const auto created = m_app->keys().create(request);
        QVERIFY(created.ok());
        ConnectDialog dialog(*m_services);
        dialog.tool()->setCurrentIndex(dialog.tool()->findData(QStringLiteral("codex")));
        dialog.existingKey()->setChecked(true);
        QVERIFY(!dialog.connectButton()->isEnabled()); // nothing pasted yet
        dialog.keyField()->setText(created->key);
        QVERIFY(dialog.diff()->toPlainText().contains(created->key));
        const size_t keysBefore = m_app->keys().list().size();
        QVERIFY(dialog.connectTool());
        QCOMPARE(m_app->keys().list().size(), keysBefore); // no new key
        QFile f(m_home->filePath(QStringLiteral(".codex/config.toml")));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QString toml = QString::fromUtf8(f.readAll());
        QVERIFY(toml.contains(created->key));
        QVERIFY(toml.contains(QStringLiteral("wire_api")));
        QVERIFY(toml.contains(QStringLiteral("responses")));
        // Connected: the same key again is nothing to do.
        QVERIFY(!dialog.connectButton()->isEnabled());
    }

    void anUnreadableFileIsReportedAndLeftAlone()
    {
        QDir().mkpath(QFileInfo(settingsPath()).absolutePath());
        QFile f(settingsPath());
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{ not json");
        f.close();
        const size_t keysBefore = m_app->keys().list().size();
        ConnectDialog dialog(*m_services);
        QVERIFY(!dialog.connectButton()->isEnabled());
        QVERIFY(dialog.status()->text().contains(QStringLiteral("not valid JSON")));
        QVERIFY(!dialog.connectTool());
        QCOMPARE(m_app->keys().list().size(), keysBefore);
    }

    void snippetsCoverTheOtherClients_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("expected");
        QTest::newRow("cursor") << int(ClientSnippets::Cursor) << "Override OpenAI Base URL";
        QTest::newRow("cline") << int(ClientSnippets::Cline) << "OpenAI Compatible";
        QTest::newRow("shell") << int(ClientSnippets::Shell) << "export ANTHROPIC_BASE_URL=";
        QTest::newRow("curl") << int(ClientSnippets::Curl) << "/v1/chat/completions";
        QTest::newRow("python") << int(ClientSnippets::Python) << "from openai import OpenAI";
        QTest::newRow("js") << int(ClientSnippets::JavaScript) << "new OpenAI({ baseURL:";
    }

    void snippetsCoverTheOtherClients()
    {
        QFETCH(int, kind);
        QFETCH(QString, expected);
        ConnectDialog dialog(*m_services);
        dialog.snippetKind()->setCurrentIndex(dialog.snippetKind()->findData(kind));
        const QString text = dialog.snippet()->toPlainText();
        QVERIFY2(text.contains(expected), qPrintable(text));
        QVERIFY(text.contains(m_app->gateway().baseUrl() + QStringLiteral("/v1")));
        dialog.copySnippet();
        QCOMPARE(QApplication::clipboard()->text(), text);
        QCOMPARE(dialog.copySnippetButton()->text(), QStringLiteral("Copied"));
        QTRY_COMPARE(dialog.copySnippetButton()->text(), QStringLiteral("&Copy"));
    }
};

QTEST_MAIN(TstConnectDialog)
#include "tst_connectdialog.moc"
