// The checker's allocator: while an execution runs, every operator new of the program is served
// from one arena, bump-allocated and never reused within the execution, so that
//   - a freed block keeps its address: it is poisoned (filled with 0xdb) and remembered, and an
//     atomic access to it is reported as a use of freed memory, naming who freed it and when;
//   - what is still allocated when the program's teardown is over is a leak;
//   - addresses are the same in every execution of a program, so a replay sees what the failing
//     execution saw.
// Outside executions (and inside the engine's own bookkeeping) operator new is malloc. The
// replacement operators live in arena.cpp, linked into every model-checking program.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace smr::modelcheck::arena {

// Starts a fresh arena (forgetting the last one) and serves allocations from it.
void begin();
// Stops serving from the arena (its blocks stay readable until the next begin()).
void end();

// While false (a warm-up), begin() serves nothing from the arena: lazily built statics then
// live in malloc'd memory, as they must, since they outlive an execution.
void set_enabled(bool enabled);

// Whether operator new serves from the arena now, and setting it (true takes effect only
// between begin() and end(), when enabled): the engine serves while a model thread runs.
bool serving();
void serve(bool on);

// Allocation from the arena is paused in this scope (the engine's bookkeeping).
class pause {
 public:
  pause();
  pause(const pause&) = delete;
  pause& operator=(const pause&) = delete;
  ~pause();

 private:
  bool was_;
};

struct freed_block {
  std::uintptr_t offset = 0;  // of the block, from the arena's start
  std::size_t size = 0;
  std::optional<unsigned> thread;  // who freed it: a model thread, or set-up/teardown
  std::size_t step = 0;            // the execution's step when it was freed
};

// The freed arena block holding `address`, if any.
std::optional<freed_block> freed_at(const void* address);

// Blocks (and their bytes) allocated and not freed since begin().
struct usage {
  std::size_t blocks = 0;
  std::size_t bytes = 0;
};
usage live();

// A misuse operator delete found outside a model thread (a double free, a foreign pointer),
// once; nullptr when there was none.
const char* take_error();

// "heap+0x1a0" for an arena address (the same in every execution), else the raw address.
std::string_view describe(const void* address, char (&buffer)[40]);

}  // namespace smr::modelcheck::arena
