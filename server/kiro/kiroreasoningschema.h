// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QStringList>

namespace Drawbridge {

/**
 * @brief What a model's catalog entry says its request may carry for reasoning, and the
 * `additionalModelRequestFields` that ask for it (docs/kiro.md#reasoning).
 *
 * ListAvailableModels advertises, per model, the JSON Schema the service checks
 * `additionalModelRequestFields` against (`additionalModelRequestFieldsSchema`): Claude models a `thinking`
 * object (`type` adaptive/enabled/ disabled, sometimes `budget_tokens`) and `output_config.effort`, GPT
 * models `reasoning.effort`. Only the members named there are ever sent, with values the schema allows,
 * because the service answers anything else with a ValidationException. A schema that offers none of them
 * means "not supported": the request then keeps the prompt-level thinking emulation.
 */
class KiroReasoningSchema final
{
public:
    /** Reads a catalog entry's additionalModelRequestFieldsSchema; anything unrecognised is left out. */
    static KiroReasoningSchema fromCatalogSchema(const QJsonObject &schema);
    /** The effort a thinking budget stands for: up to 4,000 low, 10,000 medium, 24,000 high, beyond xhigh. */
    static QString effortForBudget(int budgetTokens);

    /** The schema offers a thinking type or an effort that can turn reasoning on. */
    bool supported() const;
    /**
     * The compact JSON object to send as additionalModelRequestFields for a request that asked for reasoning
     * with @p budgetTokens; empty when the model supports none of it.
     */
    QByteArray requestFields(int budgetTokens) const;

    bool operator==(const KiroReasoningSchema &other) const = default;

private:
    QString thinkingType() const;
    QString effort(int budgetTokens) const;

    bool m_thinking = false; ///< properties.thinking with a `type` member
    QStringList m_thinkingTypes; ///< its allowed values; empty = any string
    bool m_budget = false; ///< thinking.budget_tokens exists
    int m_budgetMin = 0; ///< 0 = no minimum
    int m_budgetMax = 0; ///< 0 = no maximum
    QString m_effortParent; ///< "output_config" or "reasoning": where `effort` goes; empty = none
    QStringList m_efforts; ///< its allowed values; empty = any string
};

} // namespace Drawbridge
