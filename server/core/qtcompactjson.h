// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>

namespace simdjson::dom {
class element;
}

namespace Drawbridge {

/**
 * @brief Writes a JSON object parsed by simdjson byte for byte as `QJsonDocument::toJson(Compact)` writes the
 * object Qt's own parser makes of the same text: keys sorted, Qt's number forms (a whole number that fits in
 * 64 bits as an integer, however it was written; other numbers in the shortest form that reads back), Qt's
 * escapes.
 *
 * Tool inputs and arguments are re-shaped on every agent request (issue 18): the Anthropic request parser
 * writes each tool_use input with it straight from the body's DOM, and the Kiro builder canonicalises OpenAI
 * arguments with it (JsonWriter::appendQtCompactObject). Both layers use it, so it lives here.
 */
class QtCompactJson final
{
public:
    /**
     * Appends @p object (without a top-level "" key when @p dropEmptyKey). Returns false, with @p out
     * untouched, for anything it is not sure to write as Qt would (not an object, a duplicate or non-ASCII
     * key): the caller then takes the Qt path. @p object must come from a parse with a depth limit (the
     * writer recurses).
     */
    static bool appendObject(QByteArray &out, const simdjson::dom::element &object, bool dropEmptyKey);
};

} // namespace Drawbridge
