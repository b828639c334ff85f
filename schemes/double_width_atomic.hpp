// double_width_atomic: a 16-byte atomic (two words, such as Hyaline's {HRef, HPtr} slot head)
// whose operations compile to an inline `lock cmpxchg16b` (with -mcx16). std::atomic of a
// 16-byte type would do the same job through libatomic: a call per operation, and a locked
// cmpxchg16b even for a load, which the profile of hyaline on the tree put at about 16% of its
// time. Every operation here is a full barrier (seq_cst), whatever order is asked for: cmpxchg16b
// is LOCK-prefixed. A load is a compare-and-swap of zero with zero, which writes back what it read
// (so the object must be writable memory); where the value only seeds a CAS, guess() reads it
// without a locked instruction. ThreadSanitizer sees each as an atomic 128-bit
// compare-exchange (__tsan_atomic128_compare_exchange_strong). Schemes reach it through smr::sync;
// the model checker's build uses its own atomic (modelcheck/sync_model.hpp), which holds 16 bytes.
#pragma once

#include <atomic>
#include <bit>
#include <cstdint>
#include <type_traits>

namespace smr::sync {

template <class T>
class double_width_atomic {
  static_assert(sizeof(T) == 16 && std::is_trivially_copyable_v<T>,
                "a double-width atomic holds a trivially copyable 16-byte value");

 public:
  using value_type = T;

  double_width_atomic() noexcept = default;
  double_width_atomic(T v) noexcept : bits_(to_bits(v)) {}  // NOLINT(google-explicit-constructor)
  double_width_atomic(const double_width_atomic&) = delete;
  double_width_atomic& operator=(const double_width_atomic&) = delete;

  T load(std::memory_order /*always seq_cst*/ = std::memory_order_seq_cst) const noexcept {
    return from_bits(__sync_val_compare_and_swap(&bits_, bits{0}, bits{0}));
  }
  // A guess at the value, good only as a compare-and-swap's expected argument: the two words
  // read by two 8-byte loads, no locked instruction, so it may be torn (halves of two different
  // values). A wrong guess only fails the CAS, which returns the true value. No decision may
  // rest on a guess; each half alone is a value that half held at or after the caller's last
  // operation on the object (x86 keeps a location coherent across access sizes). `order` is
  // each load's. The word at the object's own address is read last: with acquire it then
  // synchronises with every release CAS that wrote what either load read (x86: loads are not
  // reordered; ThreadSanitizer keys a 16-byte CAS by that address and acquires all of them).
  T guess(std::memory_order order = std::memory_order_relaxed) const noexcept {
    const word* w = reinterpret_cast<const word*>(&bits_);
    const int o = static_cast<int>(order);
    word halves[2];
    halves[1] = __atomic_load_n(&w[1], o);
    halves[0] = __atomic_load_n(&w[0], o);
    return std::bit_cast<T>(halves);
  }
  void store(T v, std::memory_order /*always seq_cst*/ = std::memory_order_seq_cst) noexcept {
    T seen = guess();
    while (!compare_exchange_strong(seen, v)) {
    }
  }
  bool compare_exchange_strong(T& expected, T desired, std::memory_order /*success*/,
                               std::memory_order /*failure*/) noexcept {
    return compare_exchange_strong(expected, desired);
  }
  bool compare_exchange_strong(
      T& expected, T desired,
      std::memory_order /*always seq_cst*/ = std::memory_order_seq_cst) noexcept {
    const bits want = to_bits(expected);
    const bits seen = __sync_val_compare_and_swap(&bits_, want, to_bits(desired));
    if (seen == want) return true;
    expected = from_bits(seen);
    return false;
  }
  // cmpxchg16b never fails spuriously: the weak form is the strong one.
  bool compare_exchange_weak(T& expected, T desired, std::memory_order success,
                             std::memory_order failure) noexcept {
    return compare_exchange_strong(expected, desired, success, failure);
  }
  bool compare_exchange_weak(T& expected, T desired,
                             std::memory_order order = std::memory_order_seq_cst) noexcept {
    return compare_exchange_strong(expected, desired, order);
  }

 private:
  __extension__ typedef unsigned __int128 bits;  // __extension__: GCC's, no -Wpedantic warning
  // One half of bits_, read on its own by guess(); may_alias, as it reads an __int128's bytes.
  typedef std::uint64_t __attribute__((may_alias)) word;
  static bits to_bits(const T& v) noexcept { return std::bit_cast<bits>(v); }
  static T from_bits(bits b) noexcept { return std::bit_cast<T>(b); }

  alignas(16) mutable bits bits_ = 0;
};

}  // namespace smr::sync
