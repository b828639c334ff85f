// plain_ref and plain_link_operations: the reference type and DeRefLink / CompareAndSwapRef /
// StoreRef / NewNode of schemes whose local references need no per-reference protection
// (none, immediate_free, ebr: the operation guard alone keeps nodes alive).
#pragma once

#include <atomic>
#include <utility>

#include "counters.hpp"
#include "marked_ptr.hpp"

namespace smr {

// A local reference that protects nothing by itself. Move-only, like every scheme's ref, so
// structure code written against one scheme stays correct on schemes whose refs own a slot.
template <class T>
class plain_ref {
 public:
  plain_ref() noexcept = default;
  explicit plain_ref(marked_ptr<T> p) noexcept : p_(p) {}
  plain_ref(plain_ref&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  plain_ref& operator=(plain_ref&& o) noexcept {
    p_ = std::exchange(o.p_, nullptr);
    return *this;
  }
  plain_ref(const plain_ref&) = delete;
  plain_ref& operator=(const plain_ref&) = delete;

  T* get() const noexcept { return p_.get(); }
  marked_ptr<T> ptr() const noexcept { return p_; }
  std::uintptr_t mark() const noexcept { return p_.mark(); }
  T* operator->() const noexcept { return p_.get(); }
  explicit operator bool() const noexcept { return static_cast<bool>(p_); }
  void reset() noexcept { p_ = nullptr; }  // ReleaseRef

 private:
  marked_ptr<T> p_{};
};

// The link-writing operations shared by every scheme whose links are plain atomic pointers.
struct atomic_link_writes {
  // CompareAndSwapRef. seq_cst: hazard-pointer validation is a store-load pattern between this
  // CAS (unlinking a node) and a later scan's loads of the hazard slots, and epoch schemes order
  // it before the retiring thread's load of the global epoch. A locked CAS costs the same on x86
  // whatever the order.
  template <class T>
  static bool cas(atomic_marked_ptr<T>& link, marked_ptr<T> expected, marked_ptr<T> desired) {
    return link.compare_exchange_strong(expected, desired, std::memory_order_seq_cst,
                                        std::memory_order_seq_cst);
  }
  // StoreRef, for links no other thread writes concurrently. Release pairs with the acquire of
  // whoever later reads the node through a published pointer.
  template <class T>
  static void store(atomic_marked_ptr<T>& link, marked_ptr<T> value) {
    link.store(value, std::memory_order_release);
  }
};

// deref / cas / store / make for handles using plain_ref. Derived provides counters().
template <class Derived>
class plain_link_operations : public atomic_link_writes {
 public:
  // DeRefLink. Acquire pairs with the release (or seq_cst) write that published the node.
  template <class T>
  plain_ref<T> deref(const atomic_marked_ptr<T>& link) const noexcept {
    return plain_ref<T>(link.load(std::memory_order_acquire));
  }

  // NewNode.
  template <class T, class... Args>
  plain_ref<T> make(Args&&... args) {
    T* p = new T(std::forward<Args>(args)...);
    static_cast<Derived*>(this)->counters().count_allocated();
    return plain_ref<T>(marked_ptr<T>(p));
  }
};

// The types of schemes whose links are plain atomic pointers and whose nodes carry no metadata;
// a scheme inherits them and overrides what differs (hazard_pointers has its own ref).
struct pointer_scheme_types {
  struct node_base {};
  template <class T>
  using link = atomic_marked_ptr<T>;
  template <class T>
  using ref = plain_ref<T>;
};

// The operation guard of schemes whose handle marks the start and end of an operation
// (ebr pins and unpins): enter() on construction, exit() on destruction.
template <class Handle>
class enter_exit_guard {
 public:
  explicit enter_exit_guard(Handle& h) noexcept : h_(h) { h_.enter(); }
  ~enter_exit_guard() { h_.exit(); }
  enter_exit_guard(const enter_exit_guard&) = delete;
  enter_exit_guard& operator=(const enter_exit_guard&) = delete;

 private:
  Handle& h_;
};

// The operation guard of schemes that need none: constructing it costs nothing.
struct no_guard {
  template <class Handle>
  explicit no_guard(Handle& /*unused*/) noexcept {}
  no_guard(const no_guard&) = delete;
  no_guard& operator=(const no_guard&) = delete;
};

}  // namespace smr
