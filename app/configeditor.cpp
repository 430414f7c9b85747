// SPDX-License-Identifier: MIT
#include "configeditor.h"

#include <QFile>
#include <QRegularExpression>
#include <QSaveFile>
#include <QStringList>

#include "configfile.h"
#include "server/core/settings.h"

namespace Drawbridge {

namespace {

constexpr qint64 maxConfigBytes = 1024 * 1024;

QString tomlString(const QString &s)
{
    QString out;
    for (const QChar c : s) {
        if (c == QLatin1Char('"') || c == QLatin1Char('\\'))
            out += QLatin1Char('\\');
        if (c.unicode() < 0x20) {
            out += QStringLiteral("\\u%1").arg(c.unicode(), 4, 16, QLatin1Char('0'));
            continue;
        }
        out += c;
    }
    return QLatin1Char('"') + out + QLatin1Char('"');
}

Result<QString> tomlValue(const QVariant &v)
{
    switch (v.typeId()) {
    case QMetaType::Bool:
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QMetaType::Int:
    case QMetaType::LongLong:
        return QString::number(v.toLongLong());
    case QMetaType::QString:
        return tomlString(v.toString());
    case QMetaType::QStringList: {
        QStringList items;
        for (const QString &s : v.toStringList())
            items.append(tomlString(s));
        return QString(QLatin1Char('[') + items.join(QStringLiteral(", ")) + QLatin1Char(']'));
    }
    default:
        return Error { QStringLiteral("unsupported value type %1").arg(QString::fromLatin1(v.typeName())) };
    }
}

} // namespace

Result<QByteArray> ConfigEditor::edited(const QByteArray &text, const QList<Change> &changes)
{
    QStringList lines = QString::fromUtf8(text).split(QLatin1Char('\n'));
    for (const Change &change : changes) {
        const qsizetype dot = change.key.indexOf(QLatin1Char('.'));
        if (dot <= 0)
            return Error { QStringLiteral("%1: not a table.key name").arg(change.key) };
        const QString table = change.key.left(dot);
        const QString key = change.key.mid(dot + 1);
        const auto value = tomlValue(change.value);
        if (!value)
            return Error { QStringLiteral("%1: %2").arg(change.key, value.error()) };
        const QString line = key + QStringLiteral(" = ") + *value;
        const QRegularExpression header(
            QStringLiteral("^\\s*\\[\\s*%1\\s*\\]\\s*(#.*)?$").arg(QRegularExpression::escape(table)));
        static const QRegularExpression anyHeader(QStringLiteral("^\\s*\\["));
        const QRegularExpression set(QStringLiteral("^\\s*%1\\s*=").arg(QRegularExpression::escape(key)));
        const QRegularExpression commented(
            QStringLiteral("^\\s*#\\s*%1\\s*=").arg(QRegularExpression::escape(key)));
        qsizetype start = -1;
        for (qsizetype i = 0; i < lines.size(); ++i) {
            if (header.match(lines[i]).hasMatch()) {
                start = i;
                break;
            }
        }
        if (start < 0) {
            if (!lines.isEmpty() && lines.last().isEmpty())
                lines.removeLast();
            lines << QString() << QLatin1Char('[') + table + QLatin1Char(']') << line << QString();
            continue;
        }
        qsizetype end = start + 1;
        while (end < lines.size() && !anyHeader.match(lines[end]).hasMatch())
            ++end;
        qsizetype setAt = -1;
        qsizetype commentAt = -1;
        for (qsizetype i = start + 1; i < end; ++i) {
            if (set.match(lines[i]).hasMatch())
                setAt = i;
            else if (commentAt < 0 && commented.match(lines[i]).hasMatch())
                commentAt = i;
        }
        if (setAt >= 0)
            lines[setAt] = line;
        else if (commentAt >= 0)
            lines.insert(commentAt + 1, line); // under the commented default, which stays as documentation
        else
            lines.insert(start + 1, line);
    }
    return lines.join(QLatin1Char('\n')).toUtf8();
}

Status ConfigEditor::write(const QString &path, const QList<Change> &changes)
{
    QByteArray current;
    QFile file(path);
    if (file.exists()) {
        if (file.size() > maxConfigBytes || !file.open(QIODevice::ReadOnly))
            return Error { QStringLiteral("cannot read %1").arg(path) };
        current = file.readAll();
        file.close();
    } else {
        current = ConfigFile::defaultText();
    }
    const auto next = edited(current, changes);
    if (!next)
        return Error { next.error() };
    // The same checks as a start: a value the gateway would refuse is never written.
    Settings check;
    QStringList warnings;
    if (const Status valid = ConfigFile::apply(*next, path, check, warnings); !valid)
        return valid;
    QSaveFile out(path);
    if (!out.open(QIODevice::WriteOnly) || out.write(*next) < 0 || !out.commit())
        return Error { QStringLiteral("cannot write %1: %2").arg(path, out.errorString()) };
    return Ok {};
}

} // namespace Drawbridge
