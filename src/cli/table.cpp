#include "cli/table.h"

#include <algorithm>

namespace stratus::cli {

std::size_t displayWidth(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

Table::Table(std::vector<std::string> header) : header_(std::move(header)) {}

void Table::addRow(std::vector<std::string> row) {
  row.resize(header_.size());
  rows_.push_back(std::move(row));
}

void Table::render(std::string& out, bool withHeader) const {
  const std::size_t ncol = header_.size();
  std::vector<std::size_t> width(ncol, 0);
  if (withHeader)
    for (std::size_t c = 0; c < ncol; ++c) width[c] = displayWidth(header_[c]);
  for (const auto& r : rows_)
    for (std::size_t c = 0; c < ncol; ++c) width[c] = std::max(width[c], displayWidth(r[c]));

  auto line = [&](const std::vector<std::string>& cells) {
    out += ' ';
    for (std::size_t c = 0; c < ncol; ++c) {
      out += cells[c];
      if (c + 1 < ncol) {
        out.append(width[c] - displayWidth(cells[c]) + 3, ' ');
      }
    }
    out += '\n';
  };
  if (withHeader) {
    std::size_t total = 1;
    for (std::size_t c = 0; c < ncol; ++c) total += width[c] + (c + 1 < ncol ? 3 : 0);
    line(header_);
    out.append(total + 2, '-');
    out += '\n';
  }
  for (const auto& r : rows_) line(r);
}

std::string Table::render(bool withHeader) const {
  std::string out;
  render(out, withHeader);
  return out;
}

}  // namespace stratus::cli
