#include "modelcheck/arena.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>

#include "modelcheck/execution.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
// Under ASan (the modelcheck build with SMRLAB_SANITIZE=address) a freed block is also poisoned
// for ASan, which then reports a plain read of it (a key, say) as well as the atomic accesses
// the checker sees.
#define SMRLAB_ARENA_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define SMRLAB_ARENA_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define SMRLAB_ARENA_POISON(p, n) ((void)(p), (void)(n))
#define SMRLAB_ARENA_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace smr::modelcheck::arena {

namespace {

constexpr std::size_t region_bytes = std::size_t{1} << 30U;  // reserved, touched as used
constexpr std::size_t max_blocks = std::size_t{4} << 20U;
constexpr std::size_t granule = 16;
constexpr unsigned char poison = 0xdb;

struct block {
  std::uintptr_t offset;
  std::size_t size;
  std::size_t freed_step;  // 0: live; else the step + 1
  int freed_thread;        // -1: not a model thread
};

struct state {
  std::byte* base = nullptr;
  block* blocks = nullptr;
  std::size_t count = 0;
  std::uintptr_t cursor = 0;
  usage in_use;
  bool enabled = true;   // set_enabled
  bool begun = false;    // between begin() and end()
  bool serving = false;  // begun and enabled, and not paused
};

state& arena_state() {
  static state s;  // constant-initialized: usable from operator new at any time
  return s;
}

void* reserve(std::size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    std::fputs("modelcheck: cannot reserve the arena\n", stderr);
    std::abort();
  }
  return p;
}

void ensure_reserved(state& s) {
  if (s.base != nullptr) return;
  s.base = static_cast<std::byte*>(reserve(region_bytes));
  s.blocks = static_cast<block*>(reserve(max_blocks * sizeof(block)));
}

bool in_region(const state& s, const void* p) {
  const auto* b = static_cast<const std::byte*>(p);
  return s.base != nullptr && b >= s.base && b < s.base + region_bytes;
}

// The block whose range holds `offset` (the blocks are sorted: the arena only grows).
block* block_holding(state& s, std::uintptr_t offset) {
  block* end = s.blocks + s.count;
  block* it = std::upper_bound(s.blocks, end, offset,
                               [](std::uintptr_t o, const block& b) { return o < b.offset; });
  if (it == s.blocks) return nullptr;
  --it;
  return offset < it->offset + std::max(it->size, std::size_t{1}) ? it : nullptr;
}

// A misuse found in operator delete, which cannot throw: a model thread's execution fails at
// once; elsewhere (set-up, teardown) the explorer picks it up with take_error().
const char* pending_error = nullptr;

void report(const char* what) noexcept {
  if (on_model_thread()) fail(what);
  if (pending_error == nullptr) pending_error = what;
}

}  // namespace

namespace detail {

void* allocate(std::size_t size, std::size_t alignment) {
  state& s = arena_state();
  if (!s.serving) {
    if (alignment <= alignof(std::max_align_t)) {
      if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
      throw std::bad_alloc();
    }
    if (void* p = std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment)) {
      return p;
    }
    throw std::bad_alloc();
  }
  alignment = std::max(alignment, granule);
  const std::uintptr_t offset = (s.cursor + alignment - 1) / alignment * alignment;
  const std::size_t rounded = (std::max(size, std::size_t{1}) + granule - 1) / granule * granule;
  if (offset + rounded > region_bytes || s.count == max_blocks) {
    std::fputs("modelcheck: the arena is full (an execution allocates without bound?)\n", stderr);
    std::abort();
  }
  s.cursor = offset + rounded;
  s.blocks[s.count++] = block{offset, size, 0, -1};
  s.in_use.blocks += 1;
  s.in_use.bytes += size;
  return s.base + offset;
}

void release(void* p) noexcept {
  if (p == nullptr) return;
  state& s = arena_state();
  if (!in_region(s, p)) {
    std::free(p);
    return;
  }
  const auto offset = static_cast<std::uintptr_t>(static_cast<std::byte*>(p) - s.base);
  block* b = block_holding(s, offset);
  if (b == nullptr || b->offset != offset) {
    report("operator delete of an address that no allocation returned");
    return;
  }
  if (b->freed_step != 0) {
    report("double free: the block was already freed");
    return;
  }
  const bool model = on_model_thread();
  b->freed_step = current_step() + 1;
  b->freed_thread = model ? static_cast<int>(current_thread()) : -1;
  std::memset(p, poison, b->size);
  SMRLAB_ARENA_POISON(p, b->size);
  s.in_use.blocks -= 1;
  s.in_use.bytes -= b->size;
}

}  // namespace detail

void begin() {
  state& s = arena_state();
  ensure_reserved(s);
  SMRLAB_ARENA_UNPOISON(s.base, s.cursor);
  s.count = 0;
  s.cursor = 0;
  s.in_use = {};
  s.begun = true;
  s.serving = s.enabled;
}

void end() {
  arena_state().begun = false;
  arena_state().serving = false;
}

bool serving() { return arena_state().serving; }

void serve(bool on) {
  state& s = arena_state();
  s.serving = on && s.begun && s.enabled;
}

void set_enabled(bool enabled) { arena_state().enabled = enabled; }

pause::pause() : was_(arena_state().serving) { arena_state().serving = false; }
pause::~pause() { arena_state().serving = was_; }

std::optional<freed_block> freed_at(const void* address) {
  state& s = arena_state();
  if (!in_region(s, address)) return std::nullopt;
  const auto offset = static_cast<std::uintptr_t>(static_cast<const std::byte*>(address) - s.base);
  const block* b = block_holding(s, offset);
  if (b == nullptr || b->freed_step == 0) return std::nullopt;
  freed_block f;
  f.offset = b->offset;
  f.size = b->size;
  if (b->freed_thread >= 0) f.thread = static_cast<unsigned>(b->freed_thread);
  f.step = b->freed_step - 1;
  return f;
}

usage live() { return arena_state().in_use; }

const char* take_error() {
  const char* e = pending_error;
  pending_error = nullptr;
  return e;
}

std::string_view describe(const void* address, char (&buffer)[40]) {
  const state& s = arena_state();
  int n = 0;
  if (in_region(s, address)) {
    n = std::snprintf(buffer, sizeof buffer, "heap+0x%zx",
                      static_cast<std::size_t>(static_cast<const std::byte*>(address) - s.base));
  } else {
    n = std::snprintf(buffer, sizeof buffer, "%p", address);
  }
  return {buffer, static_cast<std::size_t>(std::max(n, 0))};
}

}  // namespace smr::modelcheck::arena

// The replaceable allocation functions, every form the program may call.
namespace {
using smr::modelcheck::arena::detail::allocate;
using smr::modelcheck::arena::detail::release;
constexpr std::size_t plain = 0;
}  // namespace

void* operator new(std::size_t n) { return allocate(n, plain); }
void* operator new[](std::size_t n) { return allocate(n, plain); }
void* operator new(std::size_t n, std::align_val_t a) {
  return allocate(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a) {
  return allocate(n, static_cast<std::size_t>(a));
}
void* operator new(std::size_t n, const std::nothrow_t& /*unused*/) noexcept {
  try {
    return allocate(n, plain);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t& /*unused*/) noexcept {
  try {
    return allocate(n, plain);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t /*unused*/) noexcept { release(p); }
void operator delete[](void* p, std::size_t /*unused*/) noexcept { release(p); }
void operator delete(void* p, std::align_val_t /*unused*/) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t /*unused*/) noexcept { release(p); }
void operator delete(void* p, std::size_t /*unused*/, std::align_val_t /*unused*/) noexcept {
  release(p);
}
void operator delete[](void* p, std::size_t /*unused*/, std::align_val_t /*unused*/) noexcept {
  release(p);
}
