#include "harness/csv.hpp"

#include <gtest/gtest.h>

#include <array>
#include <sstream>

namespace {

constexpr std::array<std::string_view, 3> columns{"a", "b", "c"};

TEST(csv, quotes_cells_that_need_it_and_reads_them_back) {
  std::ostringstream out;
  smrlab::write_csv_header(out, columns);
  smrlab::csv_row row(columns);
  row.set("a", "plain").set("b", "with, comma").set("c", "quote \" and\nnewline");
  smrlab::write_csv_line(out, row.cells());
  std::istringstream in(out.str());
  const smrlab::csv_table t = smrlab::read_csv(in);
  ASSERT_EQ(t.rows.size(), 1U);
  EXPECT_EQ(t.rows[0][t.column("b")], "with, comma");
  EXPECT_EQ(t.rows[0][t.column("c")], "quote \" and\nnewline");
}

TEST(csv, a_row_cut_short_is_dropped_and_counted) {
  std::istringstream in("a,b,c\n1,2,3\n4,5");
  std::size_t dropped = 0;
  const smrlab::csv_table t = smrlab::read_csv(in, &dropped);
  EXPECT_EQ(t.rows.size(), 1U);
  EXPECT_EQ(dropped, 1U);
}

TEST(csv, unknown_columns_are_a_programming_error) {
  smrlab::csv_row row(columns);
  EXPECT_THROW(row.set("nope", "x"), std::logic_error);
  EXPECT_THROW(smrlab::parse_csv_line("\"unterminated"), std::runtime_error);
}

}  // namespace
