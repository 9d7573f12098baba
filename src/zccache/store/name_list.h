// NameList: the names one DirState records (absent or present), shared by every copy and by every
// directory of an include set that records the same names. An include set behind many -I
// directories names the same headers in each of them: the bench tree's set (51 -I directories)
// records 8,640 names in 549 directories, in only 12 different lists. Kept as 8,640 strings, a
// memo entry of such a unit took ~500 KB and each copy of the set (commit, memo, merge) allocated
// every string again; shared, a copy is a reference count.
//
// A list is never changed while shared: edit() copies it first (copy-on-write).
// share_equal_lists() (manifest.h) makes the equal lists of one include set one.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace zccache::store {

class NameList {
 public:
  using const_iterator = std::vector<std::string>::const_iterator;

  NameList() = default;
  NameList(std::initializer_list<std::string> names) : NameList(std::vector<std::string>(names)) {}
  explicit NameList(std::vector<std::string> names);

  const std::vector<std::string>& names() const { return names_ ? *names_ : empty_names(); }
  const_iterator begin() const { return names().begin(); }
  const_iterator end() const { return names().end(); }
  size_t size() const { return names_ ? names_->size() : 0; }
  bool empty() const { return size() == 0; }

  // This list's own names, to change (copied first when another NameList shares them).
  std::vector<std::string>& edit();
  void push_back(std::string name) { edit().push_back(std::move(name)); }

  // Makes this list share `other`'s names (which must be equal).
  void share(const NameList& other) { names_ = other.names_; }
  // What the names are held by: equal for lists that share them (nullptr when empty).
  const void* storage() const { return names_.get(); }

  bool operator==(const NameList& other) const { return names_ == other.names_ || names() == other.names(); }
  bool operator==(const std::vector<std::string>& other) const { return names() == other; }

 private:
  static const std::vector<std::string>& empty_names();
  std::shared_ptr<std::vector<std::string>> names_;  // nullptr: empty
};

}  // namespace zccache::store
