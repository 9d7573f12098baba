#include "zccache/store/name_list.h"

namespace zccache::store {

NameList::NameList(std::vector<std::string> names) {
  if (!names.empty()) names_ = std::make_shared<std::vector<std::string>>(std::move(names));
}

std::vector<std::string>& NameList::edit() {
  if (!names_) {
    names_ = std::make_shared<std::vector<std::string>>();
  } else if (names_.use_count() > 1) {
    names_ = std::make_shared<std::vector<std::string>>(*names_);
  }
  return *names_;
}

const std::vector<std::string>& NameList::empty_names() {
  static const std::vector<std::string> empty;
  return empty;
}

}  // namespace zccache::store
