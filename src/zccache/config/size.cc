#include "zccache/config/size.h"

#include <cctype>
#include <limits>

namespace zccache::config {
namespace {

// Fraction digits kept: 1.5G needs one, 9 is far below any unit's precision that matters.
constexpr int kMaxFractionDigits = 9;

Error not_a_size(std::string_view text) {
  return make_error(ErrorCode::kInvalid, "not a size: '" + std::string(text) +
                                             "' (expected bytes, or a number with K, M, G or T, e.g. 10G, 500M, 1.5G)");
}

int unit_shift(char c) {
  switch (std::toupper(static_cast<unsigned char>(c))) {
    case 'K': return 10;
    case 'M': return 20;
    case 'G': return 30;
    case 'T': return 40;
    default: return -1;
  }
}

}  // namespace

Result<uint64_t> parse_size(std::string_view text) {
  size_t i = 0;
  uint64_t whole = 0;
  bool any_digit = false;
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
    uint64_t d = static_cast<uint64_t>(text[i] - '0');
    if (whole > (kMax - d) / 10) return not_a_size(text);
    whole = whole * 10 + d;
    any_digit = true;
  }
  uint64_t fraction = 0;  // the digits after the point, scaled to kMaxFractionDigits
  uint64_t fraction_scale = 1;
  bool has_fraction = false;
  if (i < text.size() && text[i] == '.') {
    has_fraction = true;
    ++i;
    int digits = 0;
    for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i, ++digits) {
      any_digit = true;
      if (digits < kMaxFractionDigits) {
        fraction = fraction * 10 + static_cast<uint64_t>(text[i] - '0');
        fraction_scale *= 10;
      }
    }
    if (digits == 0) return not_a_size(text);
  }
  if (!any_digit) return not_a_size(text);
  int shift = 0;
  if (i < text.size() && unit_shift(text[i]) >= 0) {
    shift = unit_shift(text[i++]);
    if (i < text.size() && (text[i] == 'i' || text[i] == 'I')) ++i;
  } else if (has_fraction) {
    return not_a_size(text);  // a fraction of a byte
  }
  if (i < text.size() && (text[i] == 'b' || text[i] == 'B')) ++i;
  if (i != text.size()) return not_a_size(text);
  if (shift > 0 && whole > (kMax >> shift)) return not_a_size(text);
  uint64_t bytes = whole << shift;
  // fraction / fraction_scale of one unit; fraction < fraction_scale <= 10^9 < 2^30, so the
  // product fits for every unit up to T (2^40 * 2^30 = 2^70 would not: split it).
  uint64_t unit = uint64_t{1} << shift;
  uint64_t part = (unit / fraction_scale) * fraction + (unit % fraction_scale) * fraction / fraction_scale;
  if (bytes > kMax - part) return not_a_size(text);
  return bytes + part;
}

std::string format_size(uint64_t bytes) {
  if (bytes == 0) return "0";
  static constexpr struct {
    int shift;
    char unit;
  } kUnits[] = {{40, 'T'}, {30, 'G'}, {20, 'M'}, {10, 'K'}};
  for (const auto& u : kUnits) {
    uint64_t unit = uint64_t{1} << u.shift;
    if (bytes % unit == 0) return std::to_string(bytes / unit) + u.unit;
  }
  return std::to_string(bytes);
}

}  // namespace zccache::config
