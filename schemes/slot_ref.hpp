// slot_ref: the move-only local reference of a scheme whose references each own one of their
// thread's protection slots (a hazard pointer in hazard_slots, an era slot in era_slots). The
// reference gives its slot back to the owner (Owner::release(slot)) when it is reset, assigned
// over or destroyed; only the owner makes one that holds a slot.
#pragma once

#include <cstdint>
#include <utility>

#include "marked_ptr.hpp"

namespace smr {

template <class T, class Owner>
class slot_ref {
 public:
  slot_ref() noexcept = default;
  // Moves, reset and the destructor are forced inline: structures move references on every
  // hop, and an out-of-line reset() makes the caller keep its references in memory across the
  // call (a store and a reload on the traversal's dependency chain).
  [[gnu::always_inline]] slot_ref(slot_ref&& o) noexcept
      : p_(std::exchange(o.p_, nullptr)), owner_(o.owner_), slot_(std::exchange(o.slot_, -1)) {}
  [[gnu::always_inline]] slot_ref& operator=(slot_ref&& o) noexcept {
    if (this != &o) {
      reset();
      p_ = std::exchange(o.p_, nullptr);
      owner_ = o.owner_;
      slot_ = std::exchange(o.slot_, -1);
    }
    return *this;
  }
  slot_ref(const slot_ref&) = delete;
  slot_ref& operator=(const slot_ref&) = delete;
  [[gnu::always_inline]] ~slot_ref() { reset(); }

  T* get() const noexcept { return p_.get(); }
  marked_ptr<T> ptr() const noexcept { return p_; }
  std::uintptr_t mark() const noexcept { return p_.mark(); }
  T* operator->() const noexcept { return p_.get(); }
  explicit operator bool() const noexcept { return static_cast<bool>(p_); }

  // Exchanges two references with their slots: nothing is taken or given back.
  [[gnu::always_inline]] friend void swap(slot_ref& a, slot_ref& b) noexcept {
    std::swap(a.p_, b.p_);
    std::swap(a.owner_, b.owner_);
    std::swap(a.slot_, b.slot_);
  }

  // ReleaseRef: gives the slot back.
  [[gnu::always_inline]] void reset() noexcept {
    if (slot_ >= 0) owner_->release(slot_);
    slot_ = -1;
    p_ = nullptr;
  }

 private:
  friend Owner;

  slot_ref(marked_ptr<T> p, Owner* owner, int slot) noexcept : p_(p), owner_(owner), slot_(slot) {}

  marked_ptr<T> p_{};
  Owner* owner_ = nullptr;
  int slot_ = -1;  // the owner's slot held, or -1
};

}  // namespace smr
