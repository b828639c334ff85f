#include "harness/csv.hpp"

#include <algorithm>
#include <stdexcept>

namespace smrlab {

csv_row::csv_row(std::span<const std::string_view> columns)
    : columns_(columns), cells_(columns.size()) {}

std::size_t csv_row::index_of(std::string_view column) const {
  const auto it = std::find(columns_.begin(), columns_.end(), column);
  if (it == columns_.end()) {
    throw std::logic_error("csv: no column named '" + std::string(column) + "' in the schema");
  }
  return static_cast<std::size_t>(it - columns_.begin());
}

csv_row& csv_row::set(std::string_view column, std::string value) {
  cells_[index_of(column)] = std::move(value);
  return *this;
}

const std::string& csv_row::get(std::string_view column) const { return cells_[index_of(column)]; }

std::string csv_quote(std::string_view cell) {
  if (cell.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(cell);
  std::string out = "\"";
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

void write_csv_line(std::ostream& out, const std::vector<std::string>& cells) {
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i != 0) out << ',';
    out << csv_quote(cells[i]);
  }
  out << '\n';
}

void write_csv_header(std::ostream& out, std::span<const std::string_view> columns) {
  write_csv_line(out, std::vector<std::string>(columns.begin(), columns.end()));
}

std::vector<std::string> parse_csv_line(std::string_view line) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cells.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cells.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells.emplace_back();
    } else if (c != '\r') {
      cells.back() += c;
    }
  }
  if (quoted) throw std::runtime_error("csv: unterminated quoted cell");
  return cells;
}

std::size_t csv_table::column(std::string_view name) const {
  const auto it = std::find(header.begin(), header.end(), name);
  if (it == header.end()) throw std::runtime_error("csv: no column '" + std::string(name) + "'");
  return static_cast<std::size_t>(it - header.begin());
}

csv_table read_csv(std::istream& in, std::size_t* dropped) {
  csv_table t;
  std::string line;
  std::size_t bad = 0;
  // Cells may contain quoted newlines: join physical lines until the quotes balance.
  std::string record;
  auto balanced = [](const std::string& s) { return std::count(s.begin(), s.end(), '"') % 2 == 0; };
  while (std::getline(in, line)) {
    record = record.empty() ? line : record + "\n" + line;
    if (!balanced(record)) continue;
    if (t.header.empty()) {
      t.header = parse_csv_line(record);
    } else if (!record.empty()) {
      auto cells = parse_csv_line(record);
      if (cells.size() == t.header.size()) {
        t.rows.push_back(std::move(cells));
      } else {
        ++bad;
      }
    }
    record.clear();
  }
  if (!record.empty()) ++bad;
  if (dropped != nullptr) *dropped = bad;
  return t;
}

}  // namespace smrlab
