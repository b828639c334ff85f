#include "schemes/retired_object.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

std::string events;

struct resource {
  int id;
  explicit resource(int i) : id(i) {}
  ~resource() { events += "destroy" + std::to_string(id) + ";"; }
};

TEST(retired_object, runs_the_hook_then_the_destructor) {
  events.clear();
  smr::retired_list list;
  list.push_back(smr::retired_object::of(new resource(1), +[](resource* r) {
    events += "hook" + std::to_string(r->id) + ";";
  }));
  list.push_back(smr::retired_object::of(new resource(2)));
  EXPECT_EQ(smr::reclaim_all(list), 2U);
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(events, "hook1;destroy1;destroy2;");
}

}  // namespace
