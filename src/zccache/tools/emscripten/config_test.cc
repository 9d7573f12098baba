#include "zccache/tools/emscripten/config.h"

#include <gtest/gtest.h>

namespace zccache::tools::emscripten {
namespace {

// The statements of Debian's /usr/share/emscripten/.emscripten (3.1.6~dfsg-5).
constexpr std::string_view kDebian =
    "# Note: If you put paths relative to the home directory, do not forget\n"
    "# os.path.expanduser\n"
    "EMSCRIPTEN_ROOT = '/usr/share/emscripten' # directory\n"
    "\n"
    "LLVM_ROOT = '/usr/bin' # directory\n"
    "BINARYEN_ROOT = '/usr' # directory\n"
    "NODE_JS = '/usr/bin/node' # executable\n"
    "JAVA = 'java' # executable\n"
    "# JS_ENGINES = [NODE_JS]\n"
    "FROZEN_CACHE = True # never clears the cache\n"
    "CLOSURE_COMPILER = 'closure-compiler'\n"
    "LLVM_ADD_VERSION = '14'\n"
    "CLANG_ADD_VERSION = \"14\"";

TEST(EmscriptenConfig, ReadsPlainAssignments) {
  auto config = parse_static_config(kDebian);
  ASSERT_TRUE(config);
  EXPECT_EQ(config->at("LLVM_ROOT").first(), "/usr/bin");
  EXPECT_EQ(config->at("CLANG_ADD_VERSION").first(), "14");
  EXPECT_TRUE(config->at("FROZEN_CACHE").truthy());
  EXPECT_EQ(config->count("JS_ENGINES"), 0u);  // commented out
}

TEST(EmscriptenConfig, ListsNumbersAndNone) {
  auto config = parse_static_config("NODE_JS = ['/opt/node', '--stack-size=8192']\nX = 0\nY = None\nZ = False\n");
  ASSERT_TRUE(config);
  EXPECT_EQ(config->at("NODE_JS").first(), "/opt/node");
  EXPECT_FALSE(config->at("X").truthy());
  EXPECT_FALSE(config->at("Y").truthy());
  EXPECT_FALSE(config->at("Z").truthy());
}

// Anything that could read the environment or other files, or compute a value.
TEST(EmscriptenConfig, RefusesCode) {
  for (std::string_view text : {"import os\nLLVM_ROOT = '/usr/bin'\n",
                                "LLVM_ROOT = os.getenv('LLVM')\n",
                                "LLVM_ROOT = '/usr' + '/bin'\n",
                                "LLVM_ROOT = BINARYEN_ROOT\n",
                                "if True:\n  LLVM_ROOT = '/x'\n",
                                "LLVM_ROOT = '/usr/bin'; import os\n",
                                "LLVM_ROOT = '\\x2fusr'\n",
                                "LLVM_ROOT == '/usr/bin'\n"}) {
    EXPECT_FALSE(parse_static_config(text)) << text;
  }
}

TEST(EmscriptenConfig, EnvironmentOverridesKeys) {
  auto config = parse_static_config(kDebian);
  ASSERT_TRUE(config);
  apply_env_overrides(*config, {"EM_LLVM_ROOT=/opt/llvm", "EM_FROZEN_CACHE=", "EM_UNRELATED=1", "EM_CACHE=/c"});
  EXPECT_EQ(config->at("LLVM_ROOT").first(), "/opt/llvm");
  EXPECT_FALSE(config->at("FROZEN_CACHE").truthy());  // an empty string is false in Python
  EXPECT_EQ(config->at("CACHE").first(), "/c");
  EXPECT_EQ(config->count("UNRELATED"), 0u);
}

}  // namespace
}  // namespace zccache::tools::emscripten
