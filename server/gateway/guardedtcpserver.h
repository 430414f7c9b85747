// SPDX-License-Identifier: MIT
#pragma once

#include <QTcpServer>

namespace Drawbridge {

/**
 * @brief TCP server whose sockets refuse oversized requests before they are buffered.
 *
 * Qt 6.4's HTTP server reads a whole request body into memory before any handler runs and has no size limit,
 * so a client could make the gateway buffer gigabytes. Each socket counts the bytes received since its last
 * response; past the limit it answers 413, discards further input and closes. The exact per-request check
 * (body size > limit) still happens in the handler for bodies just over the limit.
 */
class GuardedTcpServer final : public QTcpServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GuardedTcpServer)

public:
    GuardedTcpServer(qint64 maxRequestBytes, QObject *parent = nullptr);

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    qint64 m_maxRequestBytes;
};

} // namespace Drawbridge
