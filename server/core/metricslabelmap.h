// SPDX-License-Identifier: MIT
#pragma once

#include <QHashFunctions>
#include <QString>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

namespace Drawbridge {

/**
 * @brief Series of one labelled metric family: label values → a cell of atomics.
 *
 * Label combinations are few and long-lived, and looking one up happens on every request, so lookups are
 * lock-free: an open-addressing table of atomic entry pointers that only ever gains entries. The mutex is
 * taken only when a combination appears for the first time (and by forEach(), i.e. on a scrape). A grown
 * table is published atomically; older tables stay alive until the map is destroyed, because a reader may
 * still be probing one.
 *
 * Label values can come from clients (the model id), so the number of series is capped: once @p maxSeries
 * exist, new combinations share one series whose every label is overflowLabel.
 */
template<typename Cell, std::size_t N> class MetricsLabelMap final
{
public:
    using Labels = std::array<QString, N>;

    static QString overflowLabel() { return QStringLiteral("__overflow__"); }

    explicit MetricsLabelMap(std::size_t maxSeries = 1000) : m_maxSeries(maxSeries)
    {
        m_tables.push_back(std::make_unique<Table>(16));
        m_table.store(m_tables.back().get(), std::memory_order_release);
    }
    Q_DISABLE_COPY_MOVE(MetricsLabelMap)

    /** The cell of @p labels, created on first use. */
    Cell &at(const Labels &labels)
    {
        const std::size_t hash = hashOf(labels);
        if (Entry *found = find(*m_table.load(std::memory_order_acquire), labels, hash))
            return found->cell;
        return insert(labels, hash);
    }

    /** Calls @p visit(const Labels &, const Cell &) for every series, ordered by label values. */
    template<typename Visitor> void forEach(Visitor &&visit) const
    {
        std::vector<const Entry *> entries;
        {
            std::lock_guard lock(m_mutex);
            entries.reserve(m_entries.size());
            for (const Entry &e : m_entries)
                entries.push_back(&e);
        }
        std::sort(entries.begin(), entries.end(),
                  [](const Entry *a, const Entry *b) { return a->labels < b->labels; });
        for (const Entry *e : entries)
            visit(e->labels, e->cell);
    }

    std::size_t size() const
    {
        std::lock_guard lock(m_mutex);
        return m_entries.size();
    }

private:
    struct Entry
    {
        Entry(const Labels &l, std::size_t h) : labels(l), hash(h) { }
        const Labels labels;
        const std::size_t hash;
        Cell cell;
    };

    struct Table
    {
        explicit Table(std::size_t capacity)
            : mask(capacity - 1), cells(std::make_unique<std::atomic<Entry *>[]>(capacity))
        {
            for (std::size_t i = 0; i < capacity; ++i)
                cells[i].store(nullptr, std::memory_order_relaxed);
        }
        const std::size_t mask; ///< capacity - 1; capacity is a power of two
        std::unique_ptr<std::atomic<Entry *>[]> cells;
    };

    static std::size_t hashOf(const Labels &labels)
    {
        std::size_t seed = 0;
        for (const QString &value : labels)
            seed = qHashMulti(seed, value);
        return seed;
    }

    static Entry *find(const Table &table, const Labels &labels, std::size_t hash)
    {
        for (std::size_t i = hash & table.mask;; i = (i + 1) & table.mask) {
            Entry *e = table.cells[i].load(std::memory_order_acquire);
            if (!e)
                return nullptr;
            if (e->hash == hash && e->labels == labels)
                return e;
        }
    }

    static void place(Table &table, Entry *entry)
    {
        std::size_t i = entry->hash & table.mask;
        while (table.cells[i].load(std::memory_order_relaxed))
            i = (i + 1) & table.mask;
        table.cells[i].store(entry, std::memory_order_release);
    }

    Cell &insert(const Labels &labels, std::size_t hash)
    {
        std::lock_guard lock(m_mutex);
        Table *table = m_table.load(std::memory_order_relaxed);
        if (Entry *found = find(*table, labels, hash)) // another thread was first
            return found->cell;
        if (m_entries.size() >= m_maxSeries) {
            if (!m_overflow) {
                Labels other;
                other.fill(overflowLabel());
                m_overflow = &m_entries.emplace_back(other, hashOf(other));
            }
            return m_overflow->cell;
        }
        Entry *entry = &m_entries.emplace_back(labels, hash);
        // Keep the load factor at most 1/2 so probes stay short and always end at an empty slot.
        if ((m_entries.size() + 1) * 2 > table->mask + 1) {
            auto grown = std::make_unique<Table>((table->mask + 1) * 2);
            for (Entry &e : m_entries) {
                if (&e != m_overflow)
                    place(*grown, &e);
            }
            m_tables.push_back(std::move(grown));
            m_table.store(m_tables.back().get(), std::memory_order_release);
        } else {
            place(*table, entry);
        }
        return entry->cell;
    }

    const std::size_t m_maxSeries;
    std::atomic<Table *> m_table;
    mutable std::mutex m_mutex;
    std::deque<Entry> m_entries; ///< stable addresses; appended under m_mutex
    std::vector<std::unique_ptr<Table>> m_tables; ///< every table ever published
    Entry *m_overflow = nullptr;
};

} // namespace Drawbridge
