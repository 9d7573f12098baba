#include "zccache/store/name_list.h"

#include <gtest/gtest.h>

#include "zccache/store/manifest.h"

namespace zccache::store {
namespace {

TEST(NameList, CopiesShareTheNamesUntilOneIsChanged) {
  NameList a{"x.h", "y.h"};
  NameList b = a;
  EXPECT_EQ(a.storage(), b.storage());
  b.push_back("z.h");
  EXPECT_NE(a.storage(), b.storage());
  EXPECT_EQ(a.names(), (std::vector<std::string>{"x.h", "y.h"}));  // the copy's change is its own
  EXPECT_EQ(b.names(), (std::vector<std::string>{"x.h", "y.h", "z.h"}));
}

TEST(NameList, AnUnsharedListIsChangedInPlace) {
  NameList a{"x.h"};
  const void* before = a.storage();
  a.push_back("y.h");
  EXPECT_EQ(a.storage(), before);
  EXPECT_EQ(a.size(), 2u);
}

TEST(NameList, EmptyListsHoldNothingAndCompareEqual) {
  NameList a;
  NameList b{};
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(a.storage(), nullptr);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, std::vector<std::string>{});
  EXPECT_FALSE(a == NameList{"x.h"});
}

TEST(NameList, ShareEqualListsMakesEqualListsOfASetOne) {
  IncludeSet set;
  set.dirs.push_back({"a", false, 0, {"bits/x.h", "y.h"}, {}});
  set.dirs.push_back({"b", false, 0, {"bits/x.h", "y.h"}, {}});
  set.dirs.push_back({"c", true, 0, {"y.h"}, {"bits/x.h", "y.h"}});
  set.dirs.push_back({"d", true, 0, {"other.h"}, {}});
  const IncludeSet before = set;
  share_equal_lists(set);
  EXPECT_EQ(set, before);  // the same names everywhere
  EXPECT_EQ(set.dirs[0].absent.storage(), set.dirs[1].absent.storage());
  EXPECT_EQ(set.dirs[0].absent.storage(), set.dirs[2].present.storage());  // absent or present alike
  EXPECT_NE(set.dirs[0].absent.storage(), set.dirs[2].absent.storage());
  EXPECT_NE(set.dirs[3].absent.storage(), set.dirs[0].absent.storage());
  // A change to one directory's list stays in that directory.
  set.dirs[1].absent.push_back("z.h");
  EXPECT_EQ(set.dirs[0].absent.names(), (std::vector<std::string>{"bits/x.h", "y.h"}));
  EXPECT_EQ(set.dirs[2].present.names(), (std::vector<std::string>{"bits/x.h", "y.h"}));
}

TEST(NameList, SharedListsSurviveTheManifestRoundTrip) {
  Manifest m;
  IncludeSet set;
  set.dirs.push_back({"a", false, 0, {"x.h", "y.h"}, {}});
  set.dirs.push_back({"b", true, 5, {"x.h", "y.h"}, {"w.h"}});
  share_equal_lists(set);
  m.entries.push_back(set);
  auto decoded = decode_manifest(encode_manifest(m));
  ASSERT_TRUE(decoded.has_value());
  ASSERT_EQ(decoded->entries.size(), 1u);
  EXPECT_EQ(decoded->entries[0], set);
}

}  // namespace
}  // namespace zccache::store
