// nbr_reservations and nbr_ref: one thread's reservation slots under nbr_plus, and its local
// reference. A reference protects by the phase it lives in (schemes/read_phases.hpp):
//   read phase   nothing is published; a reclaimer neutralises the reader instead (it restarts)
//   write phase  the references named by enter_write_phase, published in slots 0..n-1
//   outside      (a guard with no read phase: the harness's parked thread, the contract's
//                tests) deref publishes into a free slot as a hazard pointer does, and the
//                reference gives it back on reset()
// nbr_ref has no destructor: it is trivially destructible, so a restart may skip it.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "schemes/hazard_slots.hpp"
#include "schemes/marked_ptr.hpp"
#include "schemes/sync.hpp"

namespace smr {

inline constexpr unsigned max_reservations_per_thread = 16;

// The slots other threads read when they reclaim. Lives in the thread's registry slot.
using reservation_array = std::array<sync::atomic<const void*>, max_reservations_per_thread>;

template <class T>
class nbr_ref;

class nbr_reservations {
 public:
  nbr_reservations(reservation_array& published, unsigned k) : published_(published), k_(k) {
    if (k == 0 || k > max_reservations_per_thread) {
      throw std::invalid_argument("nbr_plus: hazards per thread must be 1.." +
                                  std::to_string(max_reservations_per_thread));
    }
  }
  nbr_reservations(const nbr_reservations&) = delete;
  nbr_reservations& operator=(const nbr_reservations&) = delete;

  unsigned size() const noexcept { return k_; }

  // Outside a phase: publish, then re-read the link until it still holds the published node
  // (hazard_slots' seq_cst publication; a reclaimer's seq_cst loads of the slots pair with it).
  template <class T>
  nbr_ref<T> protect(const atomic_marked_ptr<T>& link) {
    // Relaxed: only a candidate; publish_until_held re-reads it seq_cst.
    const marked_ptr<T> p = link.load(std::memory_order_relaxed);
    if (!p) return nbr_ref<T>(p);
    const int i = take();
    const marked_ptr<T> q =
        hazard_slots::publish_until_held<hazard_publication::seq_cst>(published_[i], p, link);
    if (!q) {
      release(i);
      return nbr_ref<T>(q);
    }
    return nbr_ref<T>(q, this, i);
  }

  // The write phase's reservations: `ptrs` in slots 0..n-1, the rest cleared.
  template <class... P>
  void reserve(P... ptrs) {
    static_assert(sizeof...(P) <= max_reservations_per_thread);
    if (sizeof...(P) > k_) [[unlikely]]
      throw_too_many(sizeof...(P));
    unsigned i = 0;
    (publish(i++, ptrs), ...);
    clear_from(i);
  }

  // Clears every slot (a new read phase, the end of an operation); all slots are free again.
  void clear() noexcept {
    clear_from(0);
    free_ = all();
  }

  // Gives a slot taken outside a phase back. Inside a phase the slots are the phase's (a new one
  // cleared them), so a reference kept from before has nothing to give back.
  void release(int i) noexcept {
    if (in_phase_) return;
    clear_slot(static_cast<unsigned>(i));
    free_ |= 1U << static_cast<unsigned>(i);
  }
  void set_in_phase(bool in_phase) noexcept { in_phase_ = in_phase; }

 private:
  unsigned all() const noexcept { return (1U << k_) - 1U; }
  int take() {
    if ((free_ & all()) == 0) [[unlikely]]
      throw_too_many(k_ + 1);
    const int i = std::countr_zero(free_);
    free_ &= free_ - 1;
    return i;
  }
  void publish(unsigned i, const void* p) noexcept {
    // Release: the ordering that matters is the ping's (a reclaimer reads the slots after this
    // thread acknowledged with a release store, or after a round that did); release keeps a
    // reused slot's earlier uses before a scan that reads the new value, as hazard_slots does.
    published_[i].store(p, std::memory_order_release);
    if (p != nullptr && i >= used_) used_ = i + 1;
  }
  void clear_from(unsigned from) noexcept {
    for (unsigned i = from; i < used_; ++i) clear_slot(i);
    if (from < used_) used_ = from;
  }
  void clear_slot(unsigned i) noexcept {
    // Release pairs with a reclaimer's load of the slot: this thread's reads of the node happen
    // before a reclaim that sees the slot cleared frees it.
    published_[i].store(nullptr, std::memory_order_release);
  }
  [[noreturn, gnu::cold, gnu::noinline]] void throw_too_many(std::size_t n) const {
    throw std::logic_error("nbr_plus: " + std::to_string(n) + " reservations, more than the " +
                           std::to_string(k_) + " of the structure's hazards_per_thread");
  }

  reservation_array& published_;
  unsigned k_;
  unsigned free_ = all();
  unsigned used_ = 0;  // slots [0, used_) may hold a reservation
  bool in_phase_ = false;
};

// The local reference: a marked pointer, and outside a phase the slot it published in.
template <class T>
class nbr_ref {
 public:
  nbr_ref() noexcept = default;
  explicit nbr_ref(marked_ptr<T> p, nbr_reservations* owner = nullptr, int slot = -1) noexcept
      : p_(p), owner_(owner), slot_(slot) {}
  nbr_ref(nbr_ref&& o) noexcept : p_(o.p_), owner_(o.owner_), slot_(o.slot_) { o.forget(); }
  nbr_ref& operator=(nbr_ref&& o) noexcept {
    if (this != &o) {
      reset();
      p_ = o.p_;
      owner_ = o.owner_;
      slot_ = o.slot_;
      o.forget();
    }
    return *this;
  }
  nbr_ref(const nbr_ref&) = delete;
  nbr_ref& operator=(const nbr_ref&) = delete;

  T* get() const noexcept { return p_.get(); }
  marked_ptr<T> ptr() const noexcept { return p_; }
  std::uintptr_t mark() const noexcept { return p_.mark(); }
  T* operator->() const noexcept { return p_.get(); }
  explicit operator bool() const noexcept { return static_cast<bool>(p_); }
  void reset() noexcept {  // ReleaseRef
    if (slot_ >= 0) owner_->release(slot_);
    forget();
  }

  // Points at p, which a phase protects (no slot).
  void assign(marked_ptr<T> p) noexcept {
    if (slot_ >= 0) reset();
    p_ = p;
  }

 private:
  void forget() noexcept {
    p_ = nullptr;
    slot_ = -1;
  }

  marked_ptr<T> p_{};
  nbr_reservations* owner_ = nullptr;
  int slot_ = -1;
};

static_assert(std::is_trivially_destructible_v<nbr_ref<int>>,
              "read phases: nbr_plus's reference must be trivially destructible");

}  // namespace smr
