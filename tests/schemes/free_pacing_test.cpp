#include "schemes/free_pacing.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

std::string freed;

struct object {
  int id;
  explicit object(int i) : id(i) {}
  ~object() { freed += std::to_string(id) + ";"; }
};

smr::domain_config amortized(unsigned per_retire) {
  smr::domain_config c;
  c.free = smr::free_mode::amortized;
  c.frees_per_retire = per_retire;
  return c;
}

smr::retired_list three_objects() {
  smr::retired_list list;
  for (int i = 1; i <= 3; ++i) list.push_back(smr::retired_object::of(new object(i)));
  return list;
}

TEST(free_pacing, batch_frees_what_it_is_given_at_once) {
  freed.clear();
  smr::free_pacing p;
  EXPECT_FALSE(p.amortized());
  auto list = three_objects();
  EXPECT_EQ(p.release_all(list), 3U);
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(freed, "1;2;3;");
  EXPECT_EQ(p.step(), 0U);
  EXPECT_EQ(p.queued(), 0U);
}

TEST(free_pacing, amortized_queues_and_frees_the_oldest_few_at_each_step) {
  freed.clear();
  smr::free_pacing p(amortized(2));
  EXPECT_TRUE(p.amortized());
  auto list = three_objects();
  EXPECT_EQ(p.release_all(list), 0U);
  EXPECT_EQ(freed, "");
  EXPECT_EQ(p.queued(), 3U);
  EXPECT_EQ(p.step(), 2U);
  EXPECT_EQ(freed, "1;2;");
  EXPECT_EQ(p.step(), 1U);
  EXPECT_EQ(freed, "1;2;3;");
  EXPECT_EQ(p.step(), 0U);
  EXPECT_EQ(p.queued(), 0U);
}

TEST(free_pacing, flush_frees_everything_queued_and_counts_it) {
  freed.clear();
  smr::free_pacing p(amortized(1));
  auto list = three_objects();
  p.release_all(list);
  EXPECT_EQ(p.step(), 1U);
  smr::thread_counters c;
  p.flush(c);
  EXPECT_EQ(freed, "1;2;3;");
  smr::counter_totals t;
  smr::thread_counters::sum_reclaimed_side(c, t);
  EXPECT_EQ(t.reclaimed, 2U);
  EXPECT_EQ(p.queued(), 0U);
}

TEST(free_pacing, a_zero_rate_still_frees_one_per_step_so_the_queue_drains) {
  freed.clear();
  smr::free_pacing p(amortized(0));
  auto list = three_objects();
  p.release_all(list);
  EXPECT_EQ(p.step(), 1U);
  EXPECT_EQ(p.queued(), 2U);
}

TEST(free_pacing, destruction_frees_what_is_still_queued) {
  freed.clear();
  {
    smr::free_pacing p(amortized(1));
    auto list = three_objects();
    p.release_all(list);
  }
  EXPECT_EQ(freed, "1;2;3;");
}

}  // namespace
