// smr::sync: the synchronization every scheme and shared scheme piece uses (marked pointers,
// hazard slots, the thread registry, the schemes themselves), instead of naming std::atomic,
// std::mutex, std::this_thread::yield and std::atomic_thread_fence directly. Today each is the
// standard one. A model checker build (the interleaving explorer) swaps this one header for its
// own, so that it controls every shared access and every scheduling point without a scheme
// being written twice. Statistics that no algorithm reads (schemes/counters.hpp, callback
// counts) may stay std::atomic; tests/schemes/sync_use_test.py checks the rest.
#pragma once

#if defined(SMRLAB_MODELCHECK)
// The model-checking build: the same names, each a scheduling point of the explorer.
#include "modelcheck/sync_model.hpp"
#else

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "schemes/asymmetric_fence.hpp"
#include "schemes/double_width_atomic.hpp"
#include "schemes/ping_signal.hpp"

namespace smr::sync {

template <class T>
using atomic = std::atomic<T>;

using mutex = std::mutex;

// A scheduling point: the caller waits for another thread's progress.
inline void yield() noexcept { std::this_thread::yield(); }

// A hardware fence (std::atomic_thread_fence).
inline void fence(std::memory_order order = std::memory_order_seq_cst) noexcept {
  std::atomic_thread_fence(order);
}

// A compiler-only fence (std::atomic_signal_fence): the light side of an asymmetric fence, whose
// heavy side (membarrier) the reclaimer pays.
inline void compiler_fence(std::memory_order order = std::memory_order_seq_cst) noexcept {
  std::atomic_signal_fence(order);
}

// The two sides of an asymmetric fence (hp_asym, ebr_asym). Together they order like a seq_cst
// fence on each side: the light side, on the readers' fast path, is a compiler barrier only; the
// heavy side, paid by the reclaimer, is membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), which runs a
// full fence on every thread of the process (schemes/asymmetric_fence.hpp). A model checker's
// build models the pair as a seq_cst fence in the reader and one in every thread at the heavy
// call.
inline void asymmetric_light_fence() noexcept {
  std::atomic_signal_fence(std::memory_order_seq_cst);
}
inline void asymmetric_heavy_fence() noexcept { asymmetric_fence::heavy(); }
// std::nullopt when asymmetric_heavy_fence() can be used in this process, else why not.
inline const std::optional<std::string>& asymmetric_fence_unavailable() {
  return asymmetric_fence::unavailable();
}

// Thread pings (schemes/thread_ping.hpp builds its groups on these): a thread's identity, the
// process's one handler, sending a ping, the thread's list of receivers that the handler walks,
// keeping pings out while the thread edits it, and the mask put back after a jump out of the
// handler. Here a signal (schemes/ping_signal.hpp); a model checker's build delivers a ping at
// one of the target's scheduling points.
using ping_thread = ping_signal::thread_id;
inline ping_thread this_ping_thread() noexcept { return ping_signal::this_thread(); }
inline void install_ping_handler(ping_signal::serve_function serve) { ping_signal::install(serve); }
inline void send_ping(ping_thread target) { ping_signal::send(target); }
inline void*& ping_receivers() noexcept { return ping_signal::thread_receivers(); }
using pings_blocked = ping_signal::blocked_in_this_thread;
inline void unblock_pings_after_jump() noexcept { ping_signal::unblock_after_jump(); }

}  // namespace smr::sync

#endif  // SMRLAB_MODELCHECK
