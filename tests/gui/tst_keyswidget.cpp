// SPDX-License-Identifier: MIT
#include <QApplication>
#include <QLineEdit>
#include <QPushButton>
#include <QTableView>
#include <QTest>

#include "gui/models/apikeytablemodel.h"
#include "gui/widgets/createkeydialog.h"
#include "gui/widgets/keyswidget.h"
#include "guiapplication.h"
#include "server/gateway/gatewayserver.h"
#include "server/gateway/keyservice.h"

using namespace Drawbridge;
using namespace Drawbridge::Test;

class TestKeysWidget : public QObject
{
    Q_OBJECT

private:
    int rowOfName(const KeysWidget &w, const QString &name)
    {
        QAbstractItemModel *m = w.view()->model();
        for (int r = 0; r < m->rowCount(); ++r) {
            if (m->index(r, ApiKeyTableModel::Name).data().toString() == name)
                return r;
        }
        return -1;
    }

private Q_SLOTS:
    void createThroughDialogThenRevoke()
    {
        auto app = startEphemeralApplication();
        QVERIFY(app);
        FakePrompter prompter;
        KeysWidget widget(app->keys(), 60, app->gateway().baseUrl(), prompter);
        widget.show();
        QVERIFY(QTest::qWaitForWindowExposed(&widget));

        QString key;
        QString snippet;
        widget.setDialogHook([&](CreateKeyDialog &dialog) {
            // An empty name is refused and nothing is created.
            QTest::mouseClick(dialog.createButton(), Qt::LeftButton);
            QVERIFY(dialog.createdKey().isEmpty());
            QTest::keyClicks(dialog.nameEdit(), QStringLiteral("laptop-vscode"));
            QTest::mouseClick(dialog.createButton(), Qt::LeftButton);
            key = dialog.createdKey();
            snippet = dialog.snippet();
        });
        QTest::mouseClick(widget.createButton(), Qt::LeftButton);
        QVERIFY(key.startsWith(QStringLiteral("db-")));
        QVERIFY(snippet.contains(QStringLiteral("OPENAI_API_KEY=") + key));
        QVERIFY(snippet.contains(QStringLiteral("OPENAI_BASE_URL=") + app->gateway().baseUrl()
                                 + QStringLiteral("/v1")));
        QVERIFY(std::holds_alternative<const ApiKeyRecord *>(app->keys().authenticate(key)));

        const int row = rowOfName(widget, QStringLiteral("laptop-vscode"));
        QVERIFY(row >= 0);
        QAbstractItemModel *m = widget.view()->model();
        QCOMPARE(m->index(row, ApiKeyTableModel::State).data().toString(), QStringLiteral("active"));
        QCOMPARE(m->index(row, ApiKeyTableModel::Id).data().toString().size(), 8);
        QVERIFY(key.contains(m->index(row, ApiKeyTableModel::Id).data().toString()));

        // The dialog selected the new key; declining the confirmation keeps it.
        QVERIFY(widget.revokeButton()->isEnabled());
        prompter.answer = false;
        QTest::mouseClick(widget.revokeButton(), Qt::LeftButton);
        QCOMPARE(prompter.questions.size(), 1);
        QVERIFY(prompter.questions.first().contains(QStringLiteral("laptop-vscode")));
        QCOMPARE(m->index(row, ApiKeyTableModel::State).data().toString(), QStringLiteral("active"));

        prompter.answer = true;
        QTest::mouseClick(widget.revokeButton(), Qt::LeftButton);
        QCOMPARE(prompter.questions.size(), 2);
        QCOMPARE(m->index(row, ApiKeyTableModel::State).data().toString(), QStringLiteral("revoked"));
        QVERIFY(!widget.revokeButton()->isEnabled());
        QVERIFY(std::holds_alternative<ApiError>(app->keys().authenticate(key)));
    }

    void keysCreatedElsewhereAppear()
    {
        auto app = startEphemeralApplication();
        QVERIFY(app);
        FakePrompter prompter;
        KeysWidget widget(app->keys(), 60, app->gateway().baseUrl(), prompter);
        KeyService::NewKey k;
        k.name = QStringLiteral("from-admin-api");
        QVERIFY(app->keys().create(k).ok());
        QVERIFY(rowOfName(widget, QStringLiteral("from-admin-api")) >= 0);
        QVERIFY(!widget.revokeButton()->isEnabled());
    }
};

QTEST_MAIN(TestKeysWidget)
#include "tst_keyswidget.moc"
