// smr::sync for the model-checking build (SMRLAB_MODELCHECK; schemes/sync.hpp includes this one
// instead of the standard aliases). Every atomic operation, fence, mutex operation and yield of
// a model thread is a scheduling point of the explorer (modelcheck/execution.hpp): the thread
// stops, the strategy picks who runs next, and the operation happens when this thread is picked
// again, against the memory model of the exploration (sequentially consistent, or x86-TSO with
// a store buffer per thread). Outside a model thread (setting an execution up, tearing it down,
// any other program) each operation runs directly, on one thread, with no scheduling.
//
// What the model does with each operation (the standard C++ to x86 mapping):
//   load, any order            forwards the newest store of the thread's own buffer to the same
//                              atomic, else reads memory
//   store relaxed or release   TSO: appended to the buffer; SC: written
//   store seq_cst              drains the buffer, then writes (XCHG)
//   read-modify-write, CAS     drain, then act on memory (LOCK-prefixed), failed CAS included
//   fence seq_cst              drains (MFENCE); weaker fences are compiler barriers only
//   asymmetric heavy fence     drains every thread's buffer (membarrier runs a full fence on
//                              every thread); the light side is a compiler barrier
//   mutex lock, unlock, yield  drain; a lock that is held disables the thread until unlock
// compare_exchange_weak never fails spuriously here: the structures retry either way.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstring>
#include <optional>
#include <source_location>
#include <string>
#include <type_traits>

#include "modelcheck/execution.hpp"

namespace smr::sync {

template <class T>
class atomic {
  static_assert(std::is_trivially_copyable_v<T>, "a model atomic holds a trivially copyable value");
  static_assert(sizeof(T) <= modelcheck::max_atomic_size, "a model atomic holds at most 16 bytes");

 public:
  using value_type = T;
  using where = std::source_location;

  atomic() noexcept : value_() {}
  constexpr atomic(T v) noexcept : value_(v) {}  // NOLINT(google-explicit-constructor)
  atomic(const atomic&) = delete;
  atomic& operator=(const atomic&) = delete;

  T load(std::memory_order order = std::memory_order_seq_cst,
         where w = where::current()) const noexcept {
    if (!modelcheck::on_model_thread()) return value_;
    T v;
    if (modelcheck::load(op(modelcheck::op_kind::load, order, w), &v, sizeof v)) return v;
    return value_;
  }

  void store(T v, std::memory_order order = std::memory_order_seq_cst,
             where w = where::current()) noexcept {
    if (!modelcheck::on_model_thread()) {
      value_ = v;
      return;
    }
    modelcheck::store(op(modelcheck::op_kind::store, order, w), &v, sizeof v);
  }

  T exchange(T v, std::memory_order order = std::memory_order_seq_cst,
             where w = where::current()) noexcept {
    return read_modify_write(modelcheck::op_kind::exchange, order, w, [v](T) { return v; });
  }

  bool compare_exchange_strong(T& expected, T desired, std::memory_order success,
                               std::memory_order /*failure*/, where w = where::current()) noexcept {
    return compare_exchange(expected, desired, success, w);
  }
  bool compare_exchange_strong(T& expected, T desired,
                               std::memory_order order = std::memory_order_seq_cst,
                               where w = where::current()) noexcept {
    return compare_exchange(expected, desired, order, w);
  }
  bool compare_exchange_weak(T& expected, T desired, std::memory_order success,
                             std::memory_order /*failure*/, where w = where::current()) noexcept {
    return compare_exchange(expected, desired, success, w);
  }
  bool compare_exchange_weak(T& expected, T desired,
                             std::memory_order order = std::memory_order_seq_cst,
                             where w = where::current()) noexcept {
    return compare_exchange(expected, desired, order, w);
  }

  T fetch_add(T d, std::memory_order order = std::memory_order_seq_cst,
              where w = where::current()) noexcept requires std::is_integral_v<T> {
    return read_modify_write(modelcheck::op_kind::fetch_add, order, w,
                             [d](T old) { return static_cast<T>(old + d); });
  }
  T fetch_sub(T d, std::memory_order order = std::memory_order_seq_cst,
              where w = where::current()) noexcept requires std::is_integral_v<T> {
    return read_modify_write(modelcheck::op_kind::fetch_sub, order, w,
                             [d](T old) { return static_cast<T>(old - d); });
  }
  T fetch_or(T d, std::memory_order order = std::memory_order_seq_cst,
             where w = where::current()) noexcept requires std::is_integral_v<T> {
    return read_modify_write(modelcheck::op_kind::fetch_or, order, w,
                             [d](T old) { return static_cast<T>(old | d); });
  }
  T fetch_and(T d, std::memory_order order = std::memory_order_seq_cst,
              where w = where::current()) noexcept requires std::is_integral_v<T> {
    return read_modify_write(modelcheck::op_kind::fetch_and, order, w,
                             [d](T old) { return static_cast<T>(old & d); });
  }

  operator T() const noexcept { return load(); }  // NOLINT(google-explicit-constructor)
  T operator=(T v) noexcept {
    store(v);
    return v;
  }

 private:
  modelcheck::operation op(modelcheck::op_kind kind, std::memory_order order, where w) const {
    return {kind, order, static_cast<const void*>(&value_), sizeof(T), w};
  }

  template <class F>
  T read_modify_write(modelcheck::op_kind kind, std::memory_order order, where w, F f) noexcept {
    if (!modelcheck::on_model_thread()) {
      T old = value_;
      value_ = f(old);
      return old;
    }
    modelcheck::begin_locked(op(kind, order, w));
    T old = value_;
    value_ = f(old);
    return old;
  }

  bool compare_exchange(T& expected, T desired, std::memory_order order, where w) noexcept {
    if (modelcheck::on_model_thread())
      modelcheck::begin_locked(op(modelcheck::op_kind::cas, order, w));
    // std::atomic compares object representations.
    if (std::memcmp(&value_, &expected, sizeof(T)) == 0) {
      value_ = desired;
      return true;
    }
    expected = value_;
    return false;
  }

  mutable T value_;
};

// The real build's double_width_atomic (schemes/double_width_atomic.hpp) is a model atomic here:
// the model's atomics hold up to 16 bytes. Its guess() (two 8-byte loads there, possibly torn)
// is a load of the whole value: a guess seeds only a CAS, which checks it, so the CAS's two
// outcomes, which the checker explores, are all a torn guess could lead to.
template <class T>
class double_width_atomic : public atomic<T> {
 public:
  using atomic<T>::atomic;
  T guess(std::memory_order order = std::memory_order_relaxed,
          std::source_location w = std::source_location::current()) const noexcept {
    return this->load(order, w);
  }
};

class mutex {
 public:
  mutex() = default;
  mutex(const mutex&) = delete;
  mutex& operator=(const mutex&) = delete;

  void lock(std::source_location w = std::source_location::current()) {
    if (!modelcheck::on_model_thread()) {
      held_ = true;
      return;
    }
    modelcheck::lock(this, held_, w);
  }
  bool try_lock(std::source_location w = std::source_location::current()) {
    if (!modelcheck::on_model_thread()) {
      if (held_) return false;
      held_ = true;
      return true;
    }
    return modelcheck::try_lock(this, held_, w);
  }
  void unlock(std::source_location w = std::source_location::current()) {
    if (!modelcheck::on_model_thread()) {
      held_ = false;
      return;
    }
    modelcheck::unlock(this, held_, w);
  }

 private:
  bool held_ = false;
};

inline void yield(std::source_location w = std::source_location::current()) noexcept {
  if (modelcheck::on_model_thread()) modelcheck::yield(w);
}

inline void fence(std::memory_order order = std::memory_order_seq_cst,
                  std::source_location w = std::source_location::current()) noexcept {
  if (modelcheck::on_model_thread() && order == std::memory_order_seq_cst) {
    modelcheck::begin_locked({modelcheck::op_kind::fence, order, nullptr, 0, w});
  }
}

// A compiler barrier orders nothing at run time that the model does not already keep in order.
inline void compiler_fence(std::memory_order /*order*/ = std::memory_order_seq_cst) noexcept {}

inline void asymmetric_light_fence() noexcept {}
inline void asymmetric_heavy_fence(
    std::source_location w = std::source_location::current()) noexcept {
  if (modelcheck::on_model_thread()) modelcheck::heavy_fence(w);
}
// The model implements the heavy fence itself, so it is always available.
inline const std::optional<std::string>& asymmetric_fence_unavailable() {
  static const std::optional<std::string> available;
  return available;
}

// Thread pings: the model thread's number; a ping is delivered at one of the target's scheduling
// points (modelcheck/execution.hpp).
using ping_thread = unsigned;
inline ping_thread this_ping_thread() noexcept {
  return modelcheck::on_model_thread() ? modelcheck::current_thread() : ~0U;  // ~0: set-up
}
inline void install_ping_handler(void (*serve)() noexcept) { modelcheck::set_ping_handler(serve); }
inline void send_ping(ping_thread target,
                      std::source_location w = std::source_location::current()) {
  modelcheck::send_ping(target, w);
}
inline void*& ping_receivers() noexcept { return modelcheck::ping_receivers(); }
class pings_blocked {
 public:
  pings_blocked() noexcept { modelcheck::block_pings(true); }
  ~pings_blocked() { modelcheck::block_pings(false); }
  pings_blocked(const pings_blocked&) = delete;
  pings_blocked& operator=(const pings_blocked&) = delete;
};
inline void unblock_pings_after_jump() noexcept { modelcheck::ping_handler_left(); }

}  // namespace smr::sync
