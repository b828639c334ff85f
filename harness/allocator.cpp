#include "harness/allocator.hpp"

#include <dlfcn.h>
#include <gnu/libc-version.h>
#include <malloc.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <ctime>
#include <stdexcept>

namespace smrlab {

namespace {

// The allocators' own functions, as their headers declare them (jemalloc/jemalloc.h, mimalloc.h,
// gperftools/malloc_extension_c.h and tcmalloc.h, sanitizer/allocator_interface.h).
using mallctl_fn = int (*)(const char*, void*, std::size_t*, void*, std::size_t);
using mallctlnametomib_fn = int (*)(const char*, std::size_t*, std::size_t*);
using mallctlbymib_fn = int (*)(const std::size_t*, std::size_t, void*, std::size_t*, void*,
                                std::size_t);
using mi_version_fn = int (*)();
using mi_process_info_fn = void (*)(std::size_t*, std::size_t*, std::size_t*, std::size_t*,
                                    std::size_t*, std::size_t*, std::size_t*, std::size_t*);
using tc_numeric_property_fn = int (*)(const char*, std::size_t*);
using tc_version_fn = const char* (*)(int*, int*, const char**);
using sanitizer_allocated_fn = std::size_t (*)();

template <typename Fn>
Fn lookup(const char* name) {
  return reinterpret_cast<Fn>(::dlsym(RTLD_DEFAULT, name));
}

// The base address of the object that holds `addr` (and its file name in `path`), or nullptr.
const void* object_of(const void* addr, std::string* path = nullptr) {
  Dl_info info{};
  if (addr == nullptr || ::dladdr(addr, &info) == 0) return nullptr;
  if (path != nullptr && info.dli_fname != nullptr) *path = info.dli_fname;
  return info.dli_fbase;
}

std::string_view base_name(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// A sanitizer runtime by its file name: libasan.so.8, libtsan.so.2, libubsan.so.1, liblsan.so.0,
// libhwasan.so.0, libclang_rt.asan-x86_64.so.
bool is_sanitizer_file(std::string_view path) {
  const std::string_view name = base_name(path);
  if (name.starts_with("libclang_rt.")) return true;
  const std::string_view stem = name.substr(0, name.find(".so"));
  return stem.starts_with("lib") && stem.ends_with("san");
}

// What an object's file name suggests it is: "jemalloc", "mimalloc", "tcmalloc", "sanitizer",
// "glibc", or "" for anything else (the executable itself, say).
std::string_view family_by_name(std::string_view path) {
  const std::string_view name = base_name(path);
  if (name.starts_with("libjemalloc")) return "jemalloc";
  if (name.starts_with("libmimalloc")) return "mimalloc";
  if (name.starts_with("libtcmalloc")) return "tcmalloc";
  if (is_sanitizer_file(name)) return "sanitizer";
  if (name.starts_with("libc.so") || name.starts_with("libc-")) return "glibc";
  return "";
}

bool is_allocator_file(std::string_view path) {
  const std::string_view family = family_by_name(path);
  return family == "jemalloc" || family == "mimalloc" || family == "tcmalloc";
}

// The paths cmake/smrlab_allocators.cmake found, "" where it found none.
#ifndef SMRLAB_JEMALLOC_LIBRARY
#define SMRLAB_JEMALLOC_LIBRARY ""
#endif
#ifndef SMRLAB_MIMALLOC_LIBRARY
#define SMRLAB_MIMALLOC_LIBRARY ""
#endif
#ifndef SMRLAB_TCMALLOC_LIBRARY
#define SMRLAB_TCMALLOC_LIBRARY ""
#endif

std::string_view configured_library(allocator_kind k) {
  switch (k) {
    case allocator_kind::system:
      break;
    case allocator_kind::jemalloc:
      return SMRLAB_JEMALLOC_LIBRARY;
    case allocator_kind::mimalloc:
      return SMRLAB_MIMALLOC_LIBRARY;
    case allocator_kind::tcmalloc:
      return SMRLAB_TCMALLOC_LIBRARY;
  }
  return "";
}

bool is_configured_library(std::string_view path) {
  for (const allocator_kind k : all_allocators) {
    const std::string_view configured = configured_library(k);
    if (!configured.empty() && configured == path) return true;
  }
  return false;
}

}  // namespace

struct allocator_backend {
  enum class counter { none, glibc, jemalloc, mimalloc, tcmalloc, sanitizer };

  allocator_kind kind = allocator_kind::system;
  std::string detail;
  std::optional<std::string> sanitizer;
  counter source = counter::none;
  mallctlbymib_fn jemalloc_bymib = nullptr;
  std::array<std::size_t, 1> jemalloc_epoch_mib{};
  std::array<std::size_t, 2> jemalloc_allocated_mib{};
  mi_process_info_fn mimalloc_process_info = nullptr;
  tc_numeric_property_fn tcmalloc_property = nullptr;
  sanitizer_allocated_fn sanitizer_allocated = nullptr;
};

namespace {

using counter = allocator_backend::counter;

std::string jemalloc_version(mallctl_fn mallctl) {
  const char* version = nullptr;
  std::size_t size = sizeof version;
  if (mallctl("version", static_cast<void*>(&version), &size, nullptr, 0) != 0 ||
      version == nullptr) {
    return "(version unknown)";
  }
  const std::string_view v(version);  // "5.3.0-0-g54eaed1d8b56b1aa528be3bdd1877e59c56fa90c"
  return std::string(v.substr(0, v.find('-')));
}

void set_up_jemalloc(allocator_backend& b, const std::string& path) {
  const auto mallctl = lookup<mallctl_fn>("mallctl");
  b.kind = allocator_kind::jemalloc;
  b.detail = "jemalloc " + jemalloc_version(mallctl) + " (" + path + ")";
  const auto nametomib = lookup<mallctlnametomib_fn>("mallctlnametomib");
  const auto bymib = lookup<mallctlbymib_fn>("mallctlbymib");
  bool stats = false;
  std::size_t size = sizeof stats;
  if (nametomib == nullptr || bymib == nullptr ||
      mallctl("config.stats", &stats, &size, nullptr, 0) != 0 || !stats) {
    return;  // a jemalloc built without --enable-stats counts nothing
  }
  std::size_t epoch_len = 1;
  std::size_t allocated_len = 2;
  if (nametomib("epoch", b.jemalloc_epoch_mib.data(), &epoch_len) != 0 ||
      nametomib("stats.allocated", b.jemalloc_allocated_mib.data(), &allocated_len) != 0 ||
      epoch_len != 1 || allocated_len != 2) {
    return;
  }
  b.jemalloc_bymib = bymib;
  b.source = counter::jemalloc;
}

void set_up_mimalloc(allocator_backend& b, const std::string& path) {
  const int v = lookup<mi_version_fn>("mi_version")();  // 209 is 2.0.9
  b.kind = allocator_kind::mimalloc;
  b.detail = "mimalloc " + std::to_string(v / 100) + "." + std::to_string(v / 10 % 10) + "." +
             std::to_string(v % 10) + " (" + path + ")";
  b.mimalloc_process_info = lookup<mi_process_info_fn>("mi_process_info");
  if (b.mimalloc_process_info != nullptr) b.source = counter::mimalloc;
}

void set_up_tcmalloc(allocator_backend& b, const std::string& path) {
  const auto version = lookup<tc_version_fn>("tc_version");
  const char* v = version != nullptr ? version(nullptr, nullptr, nullptr) : nullptr;
  b.kind = allocator_kind::tcmalloc;
  b.detail =
      std::string("tcmalloc ") + (v != nullptr ? v : "(version unknown)") + " (" + path + ")";
  b.tcmalloc_property = lookup<tc_numeric_property_fn>("MallocExtension_GetNumericProperty");
  if (b.tcmalloc_property != nullptr) b.source = counter::tcmalloc;
}

// The runtime's file name, or the sanitizer's name where the runtime is linked into the program.
std::string sanitizer_name(const std::string& path) {
  if (is_sanitizer_file(path)) return std::string(base_name(path));
  if (::dlsym(RTLD_DEFAULT, "__asan_init") != nullptr) return "ASan";
  if (::dlsym(RTLD_DEFAULT, "__tsan_init") != nullptr) return "TSan";
  if (::dlsym(RTLD_DEFAULT, "__msan_init") != nullptr) return "MSan";
  if (::dlsym(RTLD_DEFAULT, "__hwasan_init") != nullptr) return "HWASan";
  return "LSan";
}

allocator_backend detect() {
  allocator_backend b;
  std::string path;
  const void* const malloc_object = object_of(::dlsym(RTLD_DEFAULT, "malloc"), &path);
  const auto owns = [&](const char* symbol) {
    return malloc_object != nullptr && object_of(::dlsym(RTLD_DEFAULT, symbol)) == malloc_object;
  };
  std::string_view family;
  if (owns("__sanitizer_get_current_allocated_bytes")) {
    family = "sanitizer";
    b.sanitizer = sanitizer_name(path);
    b.detail = "sanitizer runtime (" + *b.sanitizer + ")";
    b.sanitizer_allocated =
        lookup<sanitizer_allocated_fn>("__sanitizer_get_current_allocated_bytes");
    b.source = counter::sanitizer;
  } else if (owns("mallctl")) {
    family = "jemalloc";
    set_up_jemalloc(b, path);
  } else if (owns("mi_version")) {
    family = "mimalloc";
    set_up_mimalloc(b, path);
  } else if (owns("MallocExtension_GetNumericProperty")) {
    family = "tcmalloc";
    set_up_tcmalloc(b, path);
  } else if (owns("gnu_get_libc_version") || malloc_object == nullptr) {
    // nullptr: no dynamic symbol table to ask (a static executable), so glibc's own malloc.
    family = "glibc";
    b.detail = std::string("glibc ") + ::gnu_get_libc_version();
    b.source = counter::glibc;
  } else {
    b.detail = "unrecognised malloc in " + path;
    return b;
  }
  // The cross-check: the file name, where it names an allocator, names this one.
  const std::string_view by_name = family_by_name(path);
  if (!by_name.empty() && by_name != family) {
    b.detail += " [the file name suggests ";
    b.detail += by_name;
    b.detail += "]";
  }
  return b;
}

const allocator_backend& backend() {
  static const allocator_backend b = detect();
  return b;
}

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Time this thread has run: what a read costs, without the time it spent preempted (the
// oversubscribed runs would otherwise ration reads that were merely descheduled).
std::int64_t thread_cpu_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::optional<std::uint64_t> read_allocated(const allocator_backend& b) {
  switch (b.source) {
    case counter::none:
      return std::nullopt;
    case counter::glibc: {
      const struct mallinfo2 info = ::mallinfo2();
      return info.uordblks + info.hblkhd;
    }
    case counter::jemalloc: {
      std::uint64_t epoch = 1;  // writing any value refreshes the statistics
      if (b.jemalloc_bymib(b.jemalloc_epoch_mib.data(), 1, nullptr, nullptr, &epoch,
                           sizeof epoch) != 0) {
        return std::nullopt;
      }
      std::size_t allocated = 0;
      std::size_t size = sizeof allocated;
      if (b.jemalloc_bymib(b.jemalloc_allocated_mib.data(), 2, &allocated, &size, nullptr, 0) !=
          0) {
        return std::nullopt;
      }
      return allocated;
    }
    case counter::mimalloc: {
      std::size_t commit = 0;
      b.mimalloc_process_info(nullptr, nullptr, nullptr, nullptr, nullptr, &commit, nullptr,
                              nullptr);
      return commit;
    }
    case counter::tcmalloc: {
      std::size_t allocated = 0;
      if (b.tcmalloc_property("generic.current_allocated_bytes", &allocated) == 0) {
        return std::nullopt;
      }
      return allocated;
    }
    case counter::sanitizer:
      return b.sanitizer_allocated();
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(allocator_kind k) {
  switch (k) {
    case allocator_kind::system:
      return "system";
    case allocator_kind::jemalloc:
      return "jemalloc";
    case allocator_kind::mimalloc:
      return "mimalloc";
    case allocator_kind::tcmalloc:
      return "tcmalloc";
  }
  return "unknown";
}

std::optional<allocator_kind> parse_allocator(std::string_view s) {
  for (const allocator_kind k : all_allocators) {
    if (to_string(k) == s) return k;
  }
  return std::nullopt;
}

std::string unknown_allocator_message(std::string_view s) {
  std::string m = "unknown allocator '" + std::string(s) + "'; known allocators: ";
  for (const allocator_kind k : all_allocators) {
    if (k != all_allocators[0]) m += ", ";
    m += to_string(k);
  }
  return m;
}

std::variant<allocator_kind, std::string> parse_allocator_choice(std::string_view s) {
  if (auto k = parse_allocator(s)) return *k;
  return unknown_allocator_message(s);
}

std::optional<std::string> preload_library(allocator_kind k) {
  const std::string path(configured_library(k));
  if (path.empty() || ::access(path.c_str(), R_OK) != 0) return std::nullopt;
  return path;
}

std::string install_hint(allocator_kind k) {
  switch (k) {
    case allocator_kind::system:
      return "nothing to install: glibc's malloc serves every process without a preload";
    case allocator_kind::jemalloc:
      return "apt-get install libjemalloc2, then re-run cmake";
    case allocator_kind::mimalloc:
      return "apt-get install libmimalloc2.0, then re-run cmake";
    case allocator_kind::tcmalloc:
      return "apt-get install libtcmalloc-minimal4, then re-run cmake";
  }
  return "";
}

active_allocator_info active_allocator() {
  const allocator_backend& b = backend();
  return {b.kind, b.detail};
}

std::optional<std::string> sanitizer_runtime() { return backend().sanitizer; }

allocator_stats::allocator_stats(double max_share)
    : backend_(&backend()),
      wait_per_read_(max_share > 0 && max_share < 1 ? 1 / max_share - 1 : 0) {}

std::optional<std::uint64_t> allocator_stats::allocated_bytes() {
  if (backend_->source == counter::none) return std::nullopt;
  const std::int64_t now = steady_ns();
  if (now < next_read_ns_) return std::nullopt;
  const std::int64_t cpu_start = thread_cpu_ns();
  const std::optional<std::uint64_t> bytes = read_allocated(*backend_);
  const std::int64_t cpu = thread_cpu_ns() - cpu_start;
  last_read_cpu_ns_ = static_cast<std::uint64_t>(cpu);
  next_read_ns_ = now + cpu + static_cast<std::int64_t>(static_cast<double>(cpu) * wait_per_read_);
  return bytes;
}

bool allocator_stats::locks_the_heap() const { return backend_->source == counter::glibc; }

std::string_view allocator_stats::source() const {
  switch (backend_->source) {
    case counter::none:
      return "none";
    case counter::glibc:
      return "glibc mallinfo2 uordblks+hblkhd";
    case counter::jemalloc:
      return "jemalloc stats.allocated";
    case counter::mimalloc:
      return "mimalloc mi_process_info current_commit";
    case counter::tcmalloc:
      return "tcmalloc generic.current_allocated_bytes";
    case counter::sanitizer:
      return "sanitizer __sanitizer_get_current_allocated_bytes";
  }
  return "none";
}

std::string preload_value(allocator_kind k, std::string_view ld_preload) {
  std::optional<std::string> library;
  if (k != allocator_kind::system) {
    library = preload_library(k);
    if (!library) {
      throw std::invalid_argument(std::string(to_string(k)) +
                                  " is not available to preload: " + install_hint(k));
    }
  }
  std::vector<std::string_view> kept;
  std::size_t leading_sanitizers = 0;
  while (!ld_preload.empty()) {
    const std::size_t end = ld_preload.find_first_of(": ");
    const std::string_view entry = ld_preload.substr(0, end);
    ld_preload.remove_prefix(end == std::string_view::npos ? ld_preload.size() : end + 1);
    if (entry.empty() || is_allocator_file(entry) || is_configured_library(entry)) continue;
    if (is_sanitizer_file(entry) && leading_sanitizers == kept.size()) ++leading_sanitizers;
    kept.push_back(entry);
  }
  if (library) {
    kept.insert(kept.begin() + static_cast<std::ptrdiff_t>(leading_sanitizers), *library);
  }
  std::string value;
  for (const std::string_view entry : kept) {
    if (!value.empty()) value += ':';
    value += entry;
  }
  return value;
}

std::vector<std::string> environment_for(allocator_kind k) {
  std::vector<std::string> env;
  std::string_view ld_preload;
  constexpr std::string_view key = "LD_PRELOAD=";
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    if (entry.starts_with(key)) {
      ld_preload = entry.substr(key.size());
    } else {
      env.emplace_back(entry);
    }
  }
  const std::string value = preload_value(k, ld_preload);
  if (!value.empty()) env.push_back(std::string(key) + value);
  return env;
}

void settle_heap() { ::malloc_trim(0); }

}  // namespace smrlab
