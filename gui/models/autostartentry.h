// SPDX-License-Identifier: MIT
#pragma once

#include <QProcessEnvironment>
#include <QString>

#include "server/core/result.h"

namespace Drawbridge {

/**
 * @brief Launch at login on freedesktop.org desktops: an XDG autostart entry,
 * `$XDG_CONFIG_HOME/autostart/drawbridge.desktop` (default `~/.config/autostart`).
 */
class AutostartEntry final
{
public:
    explicit AutostartEntry(QProcessEnvironment env = QProcessEnvironment::systemEnvironment());

    QString path() const;
    /** True when the entry exists and is not hidden. */
    bool isEnabled() const;
    /** Writes the entry starting @p executable (the running binary), or removes it. */
    Status setEnabled(bool enabled, const QString &executable) const;

private:
    QProcessEnvironment m_env;
};

} // namespace Drawbridge
