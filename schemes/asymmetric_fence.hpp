// asymmetric_fence: the heavy side of an asymmetric fence, Linux's
// membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED). A reader pays only a compiler barrier (the light
// side, smr::sync::asymmetric_light_fence()); the reclaimer calls heavy(), which makes the kernel
// run a full memory barrier on every CPU currently running a thread of this process (threads not
// running pass through the scheduler's own barriers). So for every other thread there is a point
// in its program at which a full fence ran, and the reclaimer's code after heavy() is ordered
// after it: a store the reader made before that point is visible to the reclaimer, and a load the
// reader makes after it sees every store the reclaimer made before heavy().
//
// The process registers once (MEMBARRIER_CMD_QUERY, then
// MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED; an unregistered use fails with EPERM), the first
// time unavailable() or heavy() is called; the result is cached (a function-local static,
// initialised once, thread-safe). Where the call is missing or refused (ENOSYS, EPERM, EINVAL, a
// QUERY without PRIVATE_EXPEDITED), unavailable() gives the reason in one line, and the schemes
// that need the heavy fence refuse to run (they never fall back to something else). Schemes reach
// this header through smr::sync (sync.hpp), which a model checker's build swaps.
#pragma once

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

namespace smr::asymmetric_fence {

// The system call, as a parameter so that the probe's refusal paths can be tested without a
// kernel that refuses. Returns the call's result, or -1 with errno set.
using membarrier_call = long (*)(int cmd, unsigned flags, int cpu_id);

inline long system_membarrier(int cmd, unsigned flags, int cpu_id) {
#if defined(SYS_membarrier)
  return syscall(SYS_membarrier, cmd, flags, cpu_id);
#else
  (void)cmd, (void)flags, (void)cpu_id;
  errno = ENOSYS;
  return -1;
#endif
}

namespace detail {
inline std::string errno_text(int err) {
  const char* symbol = err == ENOSYS   ? "ENOSYS"
                       : err == EPERM  ? "EPERM"
                       : err == EINVAL ? "EINVAL"
                                       : "";
  std::string out = std::strerror(err);
  if (*symbol != '\0') out += std::string(" (") + symbol + ")";
  return out;
}
inline std::string refused(const std::string& what) {
  return std::string("membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) is unavailable: ") + what;
}
}  // namespace detail

// Queries and registers through `call`. std::nullopt when the heavy fence can be used, else the
// reason, in one line.
inline std::optional<std::string> probe(membarrier_call call) {
  errno = 0;
  const long supported = call(MEMBARRIER_CMD_QUERY, 0, 0);
  if (supported < 0) {
    return detail::refused("MEMBARRIER_CMD_QUERY failed: " + detail::errno_text(errno));
  }
  if ((supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0) {
    return detail::refused("MEMBARRIER_CMD_QUERY returned " + std::to_string(supported) +
                           ", without MEMBARRIER_CMD_PRIVATE_EXPEDITED (Linux 4.14 or later "
                           "is needed)");
  }
  errno = 0;
  if (call(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) != 0) {
    return detail::refused("MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED failed: " +
                           detail::errno_text(errno));
  }
  return std::nullopt;
}

// This process's answer, probed once with the real system call.
inline const std::optional<std::string>& unavailable() {
  static const std::optional<std::string> reason = probe(system_membarrier);
  return reason;
}

// The heavy fence. Precondition: !unavailable() (the schemes' domains check it when they are
// built). A registered process's call cannot fail; if it does, continuing would free memory that
// readers still use, so it stops the process with the reason.
inline void heavy() noexcept {
  if (const auto& why = unavailable()) {
    std::fprintf(stderr, "smr::asymmetric_fence::heavy: %s\n", why->c_str());
    std::abort();
  }
  if (system_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0) {
    std::fprintf(stderr, "smr::asymmetric_fence::heavy: membarrier failed: %s\n",
                 detail::errno_text(errno).c_str());
    std::abort();
  }
}

}  // namespace smr::asymmetric_fence
