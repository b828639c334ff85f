// What a trial does between trials: settle_heap() merges glibc's free chunks back, so that a
// trial run in the same process after one that freed millions of nodes (--isolation none) does
// not start its threads on arenas full of free chunks.
#include "harness/trial_base.hpp"

#include <gtest/gtest.h>
#include <malloc.h>

#include <cstddef>
#include <thread>
#include <vector>

namespace {

// Free chunks in every glibc arena, fastbins included.
std::size_t free_chunks() {
  const struct mallinfo2 m = ::mallinfo2();
  return m.ordblks + m.smblks;
}

// A thread allocates many small nodes, frees every other one (so they cannot coalesce), then the
// rest, and exits: its arena goes back to glibc's free list full of free chunks.
void churn_in_a_thread_that_exits() {
  std::thread([] {
    std::vector<void*> nodes(200000);
    for (auto& p : nodes) p = ::operator new(32);
    for (std::size_t i = 0; i < nodes.size(); i += 2) ::operator delete(nodes[i]);
    for (std::size_t i = 1; i < nodes.size(); i += 2) ::operator delete(nodes[i]);
  }).join();
}

TEST(settle_heap, merges_the_free_chunks_a_finished_trial_left) {
  churn_in_a_thread_that_exits();
  const std::size_t before = free_chunks();
  // glibc keeps at least the 100 000 chunks freed between live ones; a sanitizer's or a preloaded
  // allocator takes them instead, and glibc's own arenas stay all but empty.
  if (before < 100000) GTEST_SKIP() << "malloc is not glibc's here: " << before << " free chunks";
  smrlab::trial_detail::settle_heap();
  const std::size_t after = free_chunks();
  EXPECT_LT(after, before);
  EXPECT_LT(after, 1000U) << "before: " << before;
}

}  // namespace
