// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>

namespace Drawbridge {

/** Closed set of outcomes of a SecretStore operation (after QtKeychain's QKeychain::Error). */
enum class SecretError {
    None, ///< success
    NotFound, ///< read: no secret under that key
    AccessDenied, ///< the store refused (locked keyring, the user declined a prompt)
    NoBackend, ///< no secret service to talk to
    Other, ///< anything else; see the message
};

/** What a SecretStore callback receives. */
struct SecretResult
{
    SecretError error = SecretError::None;
    QString message; ///< human readable; empty on success. Never contains secret material.
    QByteArray data; ///< read(): the secret; empty otherwise

    bool ok() const { return error == SecretError::None; }
};

} // namespace Drawbridge
