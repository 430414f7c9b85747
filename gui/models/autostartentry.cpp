// SPDX-License-Identifier: MIT
#include "autostartentry.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

namespace Drawbridge {

AutostartEntry::AutostartEntry(QProcessEnvironment env) : m_env(std::move(env)) { }

QString AutostartEntry::path() const
{
    QString config = m_env.value(QStringLiteral("XDG_CONFIG_HOME"));
    if (config.isEmpty()) {
        const QString home = m_env.value(QStringLiteral("HOME"), QDir::homePath());
        config = home + QStringLiteral("/.config");
    }
    return config + QStringLiteral("/autostart/drawbridge.desktop");
}

bool AutostartEntry::isEnabled() const
{
    QFile file(path());
    if (!file.open(QIODevice::ReadOnly))
        return false;
    // Desktop environments switch an entry off with Hidden=true instead of deleting it.
    const QByteArray text = file.read(64 * 1024);
    return !text.contains("\nHidden=true");
}

Status AutostartEntry::setEnabled(bool enabled, const QString &executable) const
{
    const QString file = path();
    if (!enabled) {
        if (QFile::exists(file) && !QFile::remove(file))
            return Error { QStringLiteral("cannot remove %1").arg(file) };
        return Ok {};
    }
    if (!QDir().mkpath(QFileInfo(file).absolutePath()))
        return Error { QStringLiteral("cannot create the folder of %1").arg(file) };
    // Exec quoting per the Desktop Entry spec: the path in double quotes, with ", `, $ and \ escaped.
    QString quoted = executable;
    for (const QChar c : { QLatin1Char('\\'), QLatin1Char('"'), QLatin1Char('`'), QLatin1Char('$') })
        quoted.replace(c, QString(QLatin1Char('\\') + c));
    const QString text = QStringLiteral("[Desktop Entry]\n"
                                        "Type=Application\n"
                                        "Name=Drawbridge\n"
                                        "Comment=Local LLM gateway\n"
                                        "Exec=\"%1\"\n"
                                        "Icon=drawbridge\n"
                                        "Terminal=false\n"
                                        "X-GNOME-Autostart-enabled=true\n")
                             .arg(quoted);
    QSaveFile out(file);
    if (!out.open(QIODevice::WriteOnly))
        return Error { QStringLiteral("cannot write %1: %2").arg(file, out.errorString()) };
    out.write(text.toUtf8());
    if (!out.commit())
        return Error { QStringLiteral("cannot write %1: %2").arg(file, out.errorString()) };
    return Ok {};
}

} // namespace Drawbridge
