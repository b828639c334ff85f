// csv: one schema-checked row type, RFC 4180 quoting, and a reader for resuming runs.
#pragma once

#include <cstddef>
#include <istream>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace smrlab {

// A row whose cells are addressed by column name; every name must be in the schema.
class csv_row {
 public:
  explicit csv_row(std::span<const std::string_view> columns);
  csv_row& set(std::string_view column, std::string value);
  const std::string& get(std::string_view column) const;
  const std::vector<std::string>& cells() const { return cells_; }

 private:
  std::size_t index_of(std::string_view column) const;
  std::span<const std::string_view> columns_;
  std::vector<std::string> cells_;
};

std::string csv_quote(std::string_view cell);
void write_csv_line(std::ostream& out, const std::vector<std::string>& cells);
void write_csv_header(std::ostream& out, std::span<const std::string_view> columns);

// Splits one line into cells; throws std::runtime_error on an unterminated quote.
std::vector<std::string> parse_csv_line(std::string_view line);

struct csv_table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::size_t column(std::string_view name) const;  // throws if absent
};

// Reads a whole CSV file. Rows whose cell count differs from the header's (a row cut short by
// a crash) are dropped and counted in `dropped`.
csv_table read_csv(std::istream& in, std::size_t* dropped = nullptr);

}  // namespace smrlab
