#include "zccache/remote/envelope.h"

#include <gtest/gtest.h>

#include "zccache/hash/hasher.h"

namespace zccache::remote {
namespace {

TEST(Envelope, RoundTripsItsPayload) {
  std::string payload("manifest\0bytes", 14);
  auto opened = open_envelope(EnvelopeKind::kManifest, seal(EnvelopeKind::kManifest, payload));
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, payload);
  auto empty = open_envelope(EnvelopeKind::kResult, seal(EnvelopeKind::kResult, ""));
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, "");
}

TEST(Envelope, RejectsEveryFlippedByteAndEveryTruncation) {
  std::string sealed = seal(EnvelopeKind::kResult, "result entry payload");
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string bad = sealed;
    bad[i] = static_cast<char>(bad[i] ^ 0x20);
    EXPECT_FALSE(open_envelope(EnvelopeKind::kResult, bad)) << "byte " << i;
  }
  for (size_t n = 0; n < sealed.size(); ++n) {
    EXPECT_FALSE(open_envelope(EnvelopeKind::kResult, sealed.substr(0, n))) << "length " << n;
  }
  EXPECT_FALSE(open_envelope(EnvelopeKind::kResult, sealed + "x"));
}

TEST(Envelope, RejectsTheOtherKind) {
  EXPECT_FALSE(open_envelope(EnvelopeKind::kManifest, seal(EnvelopeKind::kResult, "x")));
}

TEST(Envelope, NamesAreVersionedAndDistinctPerKind) {
  hash::Digest d = hash::hash_bytes("x");
  EXPECT_EQ(manifest_name(d), "zc1/m/" + d.hex());
  EXPECT_EQ(result_name(d), "zc1/r/" + d.hex());
  EXPECT_EQ(artifact_name(d), "zc1/a/" + d.hex());
}

}  // namespace
}  // namespace zccache::remote
