// allocator: which malloc serves this process, how to get each one, and what it reports.
//
// The driver runs the trials of each allocator in a process where that allocator serves malloc:
// glibc's in a process without a preload, jemalloc, mimalloc or tcmalloc by re-executing itself
// with LD_PRELOAD naming the library that cmake/smrlab_allocators.cmake found at configure time
// (environment_for builds that environment). Inside a trial, active_allocator() says what actually
// serves malloc, for the allocator and allocator_detail columns, and the sampler reads
// allocator_stats::allocated_bytes() every ~1 ms next to the RSS (process_memory.hpp).
//
// Nothing here links against an allocator: every allocator-specific function is looked up with
// dlsym(RTLD_DEFAULT, ...) in whatever the process has loaded, so linking never replaces malloc.
//
// Sanitizer builds: ASan, TSan (and LSan, MSan, HWASan) replace malloc with their own allocator.
// active_allocator() then says so: kind system, detail "sanitizer runtime (libasan.so.8)", and
// sanitizer_runtime() names the runtime; allocated_bytes() reads the runtime's own counter
// (__sanitizer_get_current_allocated_bytes). Preloading another allocator into such a process does
// not work (the runtime must come first and owns malloc), so callers refuse non-system allocators
// when sanitizer_runtime() has a value.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace smrlab {

enum class allocator_kind { system, jemalloc, mimalloc, tcmalloc };

inline constexpr std::array<allocator_kind, 4> all_allocators{
    allocator_kind::system, allocator_kind::jemalloc, allocator_kind::mimalloc,
    allocator_kind::tcmalloc};

std::string_view to_string(allocator_kind k);  // "system", "jemalloc", "mimalloc", "tcmalloc"
// The kind named `s` (exactly as to_string spells it), or nullopt.
std::optional<allocator_kind> parse_allocator(std::string_view s);
// "unknown allocator 'x'; known allocators: system, jemalloc, mimalloc, tcmalloc".
std::string unknown_allocator_message(std::string_view s);
// The kind named `s`, or unknown_allocator_message(s): the form the other option parsers
// (parse_placement, parse_op_mix, ...) return, for --allocator and the preset key.
std::variant<allocator_kind, std::string> parse_allocator_choice(std::string_view s);

// The shared object LD_PRELOAD must name to get `k`: the path cmake found at configure time (the
// soname file of the runtime package, e.g. /usr/lib/x86_64-linux-gnu/libjemalloc.so.2), if it is
// still there now. nullopt for system (nothing to preload) and for an allocator that was not found
// or has gone; install_hint says what to do then.
std::optional<std::string> preload_library(allocator_kind k);
// What to install to get `k`: "apt-get install libjemalloc2, then re-run cmake" and so on; for
// system, a sentence saying that nothing is needed.
std::string install_hint(allocator_kind k);

struct active_allocator_info {
  allocator_kind kind;
  // "glibc 2.36", "jemalloc 5.3.0 (/usr/lib/x86_64-linux-gnu/libjemalloc.so.2)",
  // "mimalloc 2.0.9 (...)", "tcmalloc gperftools 2.10 (...)", "sanitizer runtime (libasan.so.8)",
  // or "unrecognised malloc in /path" (then kind is system and allocated_bytes() reports nothing).
  std::string detail;
};

// What serves malloc in this process, decided once and cached: the object that holds the `malloc`
// that dlsym(RTLD_DEFAULT, "malloc") resolves to is the allocator whose own symbol it also holds
// (__sanitizer_get_current_allocated_bytes, mallctl, mi_version,
// MallocExtension_GetNumericProperty, gnu_get_libc_version, checked in that order). The object's
// file name is the cross-check: when it names another allocator than its symbols do, the detail
// says so.
active_allocator_info active_allocator();

// The sanitizer runtime that owns malloc here ("libasan.so.8", or "ASan" when it is linked
// statically, as clang does), or nullopt in a process without one.
std::optional<std::string> sanitizer_runtime();

struct allocator_backend;  // allocator.cpp: what was detected, and the functions it resolved

// Bytes the application has allocated now, as the active allocator counts them. Each allocator
// counts differently, so compare one allocator's runs with each other, not across allocators:
//   system    mallinfo2(): uordblks + hblkhd, the chunks in use (headers and chunks parked in the
//             per-thread tcache included) plus mmapped chunks.
//   jemalloc  mallctl "epoch" (refreshes the statistics) then "stats.allocated": bytes in live
//             allocations, rounded up to their size classes.
//   mimalloc  mi_process_info() current_commit: bytes mimalloc has committed from the OS. mimalloc
//             2.0's release builds keep no per-allocation byte count, so this is an upper bound on
//             live bytes: it includes the free space of its pages, starts at a first segment
//             committed whole (32 MiB) and lags frees by its purge delay.
//   tcmalloc  MallocExtension_GetNumericProperty("generic.current_allocated_bytes"): bytes in live
//             allocations.
//   sanitizer __sanitizer_get_current_allocated_bytes(): live allocations (freed ones in the
//             quarantine not counted).
// Cost per call (allocator_test prints it; a 2-core VM, quiet heap, the two CPU-clock reads of the
// rationing below included, about 1.3 us of it): glibc 1.5 us, sanitizer 1.3 us, mimalloc 2-3 us,
// tcmalloc 3-4 us, jemalloc 11-17 us. Two of them are not cheap in general: glibc's walks every
// free chunk of every arena holding that arena's lock (85 ms for 500k free chunks, about 0.1 ms per
// busy arena, stalling the threads that allocate from the arena meanwhile), and jemalloc's refresh
// merges every arena under its statistics locks (25-150 us of CPU with 1-16 busy threads). Under
// contention a read can also wait for those locks for far longer than it computes.
// So glibc's probe is never read while workers run (locks_the_heap), and the other reads are
// rationed: after a read that took d of this thread's CPU time (time spent
// preempted does not count), the next one happens no sooner than d / max_share after it began, so
// that reads take at most `max_share` of the time, and allocated_bytes() returns nullopt until
// then (a gap in the time series, not a stale value). At the ~1 ms sampling period and the
// default 2% only reads slower than 20 us leave gaps.
//
// One instance per sampler thread (the rationing state is not shared); the allocator's functions
// are resolved once per process, so constructing one is cheap.
class allocator_stats {
 public:
  explicit allocator_stats(double max_share = 0.02);

  // Bytes allocated now; nullopt while a slow read's rationing lasts, or always when the active
  // allocator reports nothing (an unrecognised malloc, or a jemalloc built without statistics).
  std::optional<std::uint64_t> allocated_bytes();
  // What allocated_bytes() reads, for meta.json: "jemalloc stats.allocated" and so on.
  std::string_view source() const;
  // Whether a read takes locks that the application's malloc and free also take, for long enough
  // to stall them (glibc: mallinfo2 walks every free chunk of every arena under its lock). The
  // trial's sampler never reads such a probe while workers run; the trial reads it at its
  // boundaries only (harness/memory_sampler.hpp).
  bool locks_the_heap() const;
  // The CPU time the latest read took, in nanoseconds (0 before the first).
  std::uint64_t last_read_cpu_ns() const { return last_read_cpu_ns_; }

 private:
  const allocator_backend* backend_;
  double wait_per_read_;           // 1 / max_share - 1: idle time per unit of read time
  std::int64_t next_read_ns_ = 0;  // steady_clock time before which reads are skipped
  std::uint64_t last_read_cpu_ns_ = 0;
};

// The LD_PRELOAD value for a child under `k`, given the current value `ld_preload` (entries
// separated by ':' or ' ', as ld.so reads them; the result joins them with ':'). See
// environment_for for the rules; "" means that the child needs no LD_PRELOAD.
std::string preload_value(allocator_kind k, std::string_view ld_preload);

// The environment for a child process that should run under `k`: a copy of this process's
// environment in which LD_PRELOAD
//   - loses every allocator library: an entry whose file name starts with libjemalloc,
//     libmimalloc or libtcmalloc, or that is one of the configured paths;
//   - keeps every other entry, in its order (a sanitizer runtime, a profiler's shim);
//   - gains preload_library(k) for a non-system `k`, placed first, behind only the sanitizer
//     runtimes (lib*san*, libclang_rt.*) that must come first;
// and is removed when nothing is left (so system gets no LD_PRELOAD at all unless something else
// was preloaded). Entries are "NAME=value". Throws std::invalid_argument for a non-system `k`
// that preload_library cannot provide (check it first).
std::vector<std::string> environment_for(allocator_kind k);

// Between two runs in one process, outside any measurement: glibc's free chunks are merged back in
// every arena (malloc_trim), so that the next run (a trial under --isolation none, or the other
// driver of `smrlab overhead`) does not inherit arenas full of free chunks. A thread that starts
// there attaches to a free arena, and its first malloc sorts them all under the arena lock:
// valois_rc ran at 4.2-4.8 Mops/s against 6.2 in the trial after `none` had freed millions of
// nodes. With another allocator preloaded it trims glibc's own, unused heap: harmless.
void settle_heap();

}  // namespace smrlab
