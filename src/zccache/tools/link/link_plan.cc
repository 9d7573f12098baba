#include "zccache/tools/link/link_plan.h"

namespace zccache::tools::link {

std::vector<std::string> redirect_outputs(const std::vector<std::string>& args, const LinkPlan& plan,
                                          const std::string& output, const std::string& map) {
  std::vector<std::string> out = args;
  // Replace the later of the two first when both sit in one argument (-Wl,-o,x,-Map=y is not
  // produced by the parsers, but offsets must stay valid either way).
  ArgSlot first = plan.output_slot;
  ArgSlot second = plan.map_slot;
  std::string first_value = output;
  std::string second_value = map;
  if (first.present() && second.present() && first.arg == second.arg && first.offset > second.offset) {
    std::swap(first, second);
    std::swap(first_value, second_value);
  }
  if (second.present()) out[second.arg].replace(second.offset, second.length, second_value);
  if (first.present()) out[first.arg].replace(first.offset, first.length, first_value);
  if (!plan.output_slot.present()) {
    out.emplace_back("-o");
    out.push_back(output);
  }
  return out;
}

}  // namespace zccache::tools::link
