// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QStringList>

namespace Drawbridge {

struct KiroSettings;

/**
 * @brief The ordered API base URLs one Kiro account may use, and the one it uses now.
 *
 * The service is moving from `q.{R}.amazonaws.com` to `runtime.{R}.kiro.dev`, and reports conflict about
 * which token kinds each host accepts (docs/kiro.md#endpoints). So every account has a list: the configured
 * `kiro.api_base_urls` (or `kiro.api_base_url`), else defaults by auth method. A chat call that meets a
 * "wrong endpoint" refusal moves the account to the next URL, and the account stays there until that one is
 * refused in turn; the list wraps around. The URL that works is stored with the account's pool state, so a
 * restart starts there.
 */
class KiroEndpointList final
{
public:
    /** Hosts of the new service exist only in these regions. */
    static bool hasKiroRuntime(const QString &region);
    /** The built-in order for @p authMethod ("social" | "idc") in API region @p region. */
    static QStringList defaults(const QString &authMethod, const QString &region);
    /** The configured overrides when there are any, else defaults(). */
    static QStringList resolve(const KiroSettings &settings, const QString &authMethod,
                               const QString &region);

    KiroEndpointList() = default;
    explicit KiroEndpointList(QStringList urls);

    const QStringList &urls() const { return m_urls; }
    QString current() const;
    /** Replaces the list; the current URL stays current when it is still in it. */
    void setUrls(QStringList urls);
    /** Makes @p url current when it is in the list (the one stored before a restart); else changes nothing.
     */
    void setCurrent(const QString &url);
    /**
     * @p url refused the account: when it is the current one, the next URL becomes current. Returns the
     * current URL afterwards (unchanged when @p url was not current: another call already moved on).
     */
    QString refused(const QString &url);

private:
    QStringList m_urls;
    qsizetype m_index = 0;
};

} // namespace Drawbridge
