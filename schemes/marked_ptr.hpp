// marked_ptr: a pointer with two mark bits in its low bits, as a small value type, and
// atomic_marked_ptr, its atomic shared-field counterpart. Every scheme's link<T> is built on
// these, so structures mark edges (deleted, flagged, tagged) the same way on every scheme.
#pragma once

#include <atomic>
#include <cstdint>

#include "schemes/sync.hpp"

namespace smr {

template <class T>
class marked_ptr {
 public:
  // Two low bits are available because every node is at least 4-byte aligned (checked when a
  // non-null pointer is stored).
  static constexpr std::uintptr_t mark_mask = 0b11;

  constexpr marked_ptr() noexcept = default;
  constexpr marked_ptr(std::nullptr_t) noexcept {}  // NOLINT(google-explicit-constructor)
  explicit marked_ptr(T* p, std::uintptr_t mark = 0) noexcept
      : bits_(reinterpret_cast<std::uintptr_t>(p) | (mark & mark_mask)) {
    static_assert(alignof(T) > mark_mask, "marked_ptr needs nodes aligned to at least 4 bytes");
  }

  static constexpr marked_ptr from_raw(std::uintptr_t raw) noexcept {
    marked_ptr m;
    m.bits_ = raw;
    return m;
  }

  T* get() const noexcept { return reinterpret_cast<T*>(bits_ & ~mark_mask); }
  std::uintptr_t mark() const noexcept { return bits_ & mark_mask; }
  bool is_marked(std::uintptr_t bit = 0b01) const noexcept { return (bits_ & bit) != 0; }
  marked_ptr with_mark(std::uintptr_t mark) const noexcept {
    return from_raw((bits_ & ~mark_mask) | (mark & mark_mask));
  }
  marked_ptr without_mark() const noexcept { return from_raw(bits_ & ~mark_mask); }
  std::uintptr_t raw() const noexcept { return bits_; }

  T* operator->() const noexcept { return get(); }
  T& operator*() const noexcept { return *get(); }
  explicit operator bool() const noexcept { return get() != nullptr; }
  friend bool operator==(marked_ptr, marked_ptr) noexcept = default;

 private:
  std::uintptr_t bits_ = 0;
};

// The atomic field. Orders are always explicit at the call site: this type adds none of its own.
template <class T>
class atomic_marked_ptr {
 public:
  using value_type = marked_ptr<T>;

  atomic_marked_ptr() noexcept = default;
  explicit atomic_marked_ptr(value_type v) noexcept : bits_(v.raw()) {}
  atomic_marked_ptr(const atomic_marked_ptr&) = delete;
  atomic_marked_ptr& operator=(const atomic_marked_ptr&) = delete;

  value_type load(std::memory_order order) const noexcept {
    return value_type::from_raw(bits_.load(order));
  }
  void store(value_type v, std::memory_order order) noexcept { bits_.store(v.raw(), order); }
  value_type exchange(value_type v, std::memory_order order) noexcept {
    return value_type::from_raw(bits_.exchange(v.raw(), order));
  }
  // On failure `expected` receives the value seen.
  bool compare_exchange_strong(value_type& expected, value_type desired, std::memory_order success,
                               std::memory_order failure) noexcept {
    auto raw = expected.raw();
    const bool ok = bits_.compare_exchange_strong(raw, desired.raw(), success, failure);
    expected = value_type::from_raw(raw);
    return ok;
  }
  // Sets mark bits without changing the pointer; returns the previous value.
  value_type fetch_or_mark(std::uintptr_t mark, std::memory_order order) noexcept {
    return value_type::from_raw(bits_.fetch_or(mark & value_type::mark_mask, order));
  }

 private:
  sync::atomic<std::uintptr_t> bits_{0};
};

}  // namespace smr
