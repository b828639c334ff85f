// thread_registry<Slot>: the per-thread records of one domain. A thread handle claims a free
// slot on construction and gives it back on destruction; slots (and so their counters and any
// scheme state) outlive the thread that used them, and are reused by later threads. Readers
// such as a hazard scan or an epoch advance visit slots [0, high_water()).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>

#include "counters.hpp"
#include "schemes/sync.hpp"

namespace smr {

template <class Slot>
class thread_registry {
 public:
  explicit thread_registry(unsigned capacity)
      : capacity_(capacity), entries_(std::make_unique<entry[]>(capacity)) {}

  thread_registry(const thread_registry&) = delete;
  thread_registry& operator=(const thread_registry&) = delete;

  // Claims the lowest free slot; throws when all `capacity` slots are taken.
  unsigned acquire() {
    for (unsigned i = 0; i < capacity_; ++i) {
      bool expected = false;
      // acq_rel: acquire pairs with release() of the slot's previous owner, so this thread sees
      // the slot's state as that owner left it.
      if (!entries_[i].in_use.load(std::memory_order_relaxed) &&
          entries_[i].in_use.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) {
        unsigned hw = high_water_.load(std::memory_order_relaxed);
        // Release pairs with the acquire in high_water(): a scanner that sees the new bound sees
        // the slot initialised.
        while (hw < i + 1 && !high_water_.compare_exchange_weak(
                                 hw, i + 1, std::memory_order_release, std::memory_order_relaxed)) {
        }
        active_.fetch_add(1, std::memory_order_relaxed);
        return i;
      }
    }
    throw std::runtime_error("thread registry full: more than " + std::to_string(capacity_) +
                             " threads registered with one domain");
  }

  // Claims one particular free slot (a thread taking over what an exited thread left in it);
  // false if it is in use. Released with release().
  bool try_acquire(unsigned index) noexcept {
    bool expected = false;
    // acq_rel: as in acquire().
    if (!entries_[index].in_use.compare_exchange_strong(expected, true,
                                                        std::memory_order_acq_rel)) {
      return false;
    }
    active_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  void release(unsigned index) noexcept {
    active_.fetch_sub(1, std::memory_order_relaxed);
    // Release pairs with the acquire CAS in acquire() of the slot's next owner.
    entries_[index].in_use.store(false, std::memory_order_release);
  }

  Slot& operator[](unsigned index) noexcept { return entries_[index].slot; }
  const Slot& operator[](unsigned index) const noexcept { return entries_[index].slot; }
  bool in_use(unsigned index) const noexcept {
    return entries_[index].in_use.load(std::memory_order_acquire);
  }

  // One past the highest slot ever claimed.
  unsigned high_water() const noexcept { return high_water_.load(std::memory_order_acquire); }
  // Threads registered right now.
  unsigned active() const noexcept { return active_.load(std::memory_order_relaxed); }
  unsigned capacity() const noexcept { return capacity_; }

  template <class F>
  void for_each_slot(F&& f) {
    const unsigned n = high_water();
    for (unsigned i = 0; i < n; ++i) f(entries_[i].slot);
  }
  template <class F>
  void for_each_slot(F&& f) const {
    const unsigned n = high_water();
    for (unsigned i = 0; i < n; ++i) f(entries_[i].slot);
  }

 private:
  struct alignas(64) entry {
    sync::atomic<bool> in_use{false};
    Slot slot{};
  };

  unsigned capacity_;
  std::unique_ptr<entry[]> entries_;
  alignas(64) sync::atomic<unsigned> high_water_{0};
  sync::atomic<unsigned> active_{0};
};

// Sums the counters of every slot (each Slot has a `thread_counters counters` member) plus the
// domain's own, as one consistent snapshot. Slots are read one after another, so a plain sum
// could count retires made during the pass whose reclaims it missed and overstate garbage.
// Instead: sum the reclaimed side, then the retired side, then the reclaimed side again; if the
// reclaimed side did not move, retired - reclaimed lies between its true values at the start
// and at the end of the pass. If it keeps moving, the last reclaimed sum read BEFORE a retired
// pass is used: still reclaimed <= retired <= allocated, at worst overstating garbage by the
// reclaims of one short pass.
template <class Slot>
counter_totals sum_counters(const thread_registry<Slot>& registry, const thread_counters& own) {
  auto reclaimed_side = [&] {
    counter_totals t;
    thread_counters::sum_reclaimed_side(own, t);
    registry.for_each_slot(
        [&](const Slot& s) { thread_counters::sum_reclaimed_side(s.counters, t); });
    return t;
  };
  counter_totals before = reclaimed_side();
  for (int attempt = 0;; ++attempt) {
    counter_totals t;
    thread_counters::sum_retired_side(own, t);
    registry.for_each_slot(
        [&](const Slot& s) { thread_counters::sum_retired_side(s.counters, t); });
    const counter_totals after = reclaimed_side();
    const bool stable = after.reclaimed == before.reclaimed && after.destroyed == before.destroyed;
    if (stable || attempt == 64) {
      t.reclaimed = before.reclaimed;
      t.destroyed = before.destroyed;
      return t;
    }
    before = after;
  }
}

}  // namespace smr
