// Per-thread reclamation counters. Each thread writes only its own cache line (single-writer,
// no read-modify-write), and readers sum them. unreclaimed = retired - reclaimed is the one
// definition of garbage used by every scheme, the sampler, the CSV and the plots.
#pragma once

#include <atomic>
#include <cstdint>

namespace smr {

struct counter_totals {
  std::uint64_t allocated = 0;   // objects created through make()
  std::uint64_t retired = 0;     // objects handed to retire()
  std::uint64_t reclaimed = 0;   // retired objects destroyed and freed
  std::uint64_t destroyed = 0;   // never-retired objects freed at structure teardown
  std::uint64_t pool_bytes = 0;  // bytes held by type-stable pools (0 without a pool)
  std::uint64_t pings = 0;       // thread pings sent (schemes/thread_ping.hpp; 0 without pings)
  std::uint64_t ping_ns = 0;     // time pingers spent from a round's first ping to its last ack

  std::int64_t unreclaimed() const noexcept {
    return static_cast<std::int64_t>(retired) - static_cast<std::int64_t>(reclaimed);
  }
};

class alignas(64) thread_counters {
 public:
  // Only the owning thread calls these. The release store pairs with the acquire loads in
  // read_into(), so a reader that sees a reclaim also sees the matching retire.
  void count_allocated(std::uint64_t n = 1) noexcept { bump(allocated_, n); }
  void count_retired(std::uint64_t n = 1) noexcept { bump(retired_, n); }
  void count_reclaimed(std::uint64_t n = 1) noexcept { bump(reclaimed_, n); }
  void count_destroyed(std::uint64_t n = 1) noexcept { bump(destroyed_, n); }

  // The two halves of a sum; see sum_counters() for the order they are read in. Acquire pairs
  // with the release in bump(): a reader that sees a reclaim also sees the matching retire.
  static void sum_reclaimed_side(const thread_counters& c, counter_totals& t) noexcept {
    t.reclaimed += c.reclaimed_.load(std::memory_order_acquire);
    t.destroyed += c.destroyed_.load(std::memory_order_acquire);
  }
  static void sum_retired_side(const thread_counters& c, counter_totals& t) noexcept {
    t.retired += c.retired_.load(std::memory_order_acquire);
    t.allocated += c.allocated_.load(std::memory_order_acquire);
  }

 private:
  static void bump(std::atomic<std::uint64_t>& c, std::uint64_t n) noexcept {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_release);
  }
  std::atomic<std::uint64_t> allocated_{0};
  std::atomic<std::uint64_t> retired_{0};
  std::atomic<std::uint64_t> reclaimed_{0};
  std::atomic<std::uint64_t> destroyed_{0};
};

// What a ping group's rounds cost (schemes/thread_ping.hpp): any pinger adds, readers sum.
class ping_counters {
 public:
  // relaxed: statistics; no algorithm reads them.
  void count_round(std::uint64_t pings, std::uint64_t ns) noexcept {
    pings_.fetch_add(pings, std::memory_order_relaxed);
    ping_ns_.fetch_add(ns, std::memory_order_relaxed);
  }
  void add_to(counter_totals& t) const noexcept {
    t.pings += pings_.load(std::memory_order_relaxed);
    t.ping_ns += ping_ns_.load(std::memory_order_relaxed);
  }

 private:
  std::atomic<std::uint64_t> pings_{0};
  std::atomic<std::uint64_t> ping_ns_{0};
};

}  // namespace smr
