// virsh's table layout: a leading blank, columns padded to their widest cell
// and joined by three blanks, the last column unpadded; under the header a
// line of dashes two longer than the widest header line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace stratus::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header);
  void reserve(std::size_t rows) { rows_.reserve(rows); }
  void addRow(std::vector<std::string> row);
  // withHeader=false (virsh -q): no header, no dashes; widths from the rows.
  void render(std::string& out, bool withHeader = true) const;
  std::string render(bool withHeader = true) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// Display width of UTF-8 text (code points; no wide-character handling).
std::size_t displayWidth(std::string_view s);

}  // namespace stratus::cli
