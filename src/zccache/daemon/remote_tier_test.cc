#include "zccache/daemon/remote_tier.h"

#include <gtest/gtest.h>

#include "zccache/daemon/request_key.h"
#include "zccache/hash/hasher.h"
#include "zccache/remote/envelope.h"
#include "zccache/testing/fake_remote_store.h"
#include "zccache/testing/temp_dir.h"

namespace zccache::daemon {
namespace {

using testing::FakeRemoteStore;

// A tier over fake remotes, with its own artifact store.
struct Machine {
  testing::TempDirForTesting dir;
  store::ArtifactStore artifacts{dir.path() + "/artifacts"};
  std::vector<FakeRemoteStore*> fakes;
  std::unique_ptr<RemoteTier> tier;

  // Each machine gets views of the same servers through `shared` (one FakeRemoteStore per server).
  Machine(const std::vector<std::shared_ptr<FakeRemoteStore>>& shared, bool read_only = false) {
    std::vector<std::unique_ptr<remote::MonitoredRemote>> remotes;
    for (size_t i = 0; i < shared.size(); ++i) {
      remotes.push_back(std::make_unique<remote::MonitoredRemote>("fake" + std::to_string(i),
                                                                  std::make_unique<Forward>(shared[i])));
    }
    tier = std::make_unique<RemoteTier>(std::move(remotes), artifacts, read_only);
  }

  // Forwards to a shared fake, so two machines see one server.
  struct Forward : remote::RemoteStore {
    explicit Forward(std::shared_ptr<FakeRemoteStore> f) : fake(std::move(f)) {}
    Result<std::optional<std::string>> get(std::string_view n) override { return fake->get(n); }
    Status put(std::string_view n, std::string_view v) override { return fake->put(n, v); }
    Result<bool> exists(std::string_view n) override { return fake->exists(n); }
    std::shared_ptr<FakeRemoteStore> fake;
  };
};

struct Entry {
  hash::Digest request_key = hash::hash_bytes("request");
  store::IncludeSet set;
  store::ResultEntry result;
  std::string object = "object file bytes \x7f ELF";
};

Entry stored_entry(store::ArtifactStore& artifacts) {
  Entry e;
  e.set.files = {{"a.c", hash::hash_bytes("int a;")}, {"/usr/include/stdio.h", hash::hash_bytes("stdio")}};
  e.set.result_key = result_key(e.request_key, e.set.files, e.set.env);
  auto blob = artifacts.put_bytes(e.object);
  EXPECT_TRUE(blob.ok());
  e.result.stdout_data = "out";
  e.result.stderr_data = "warning: x";
  e.result.outputs = {{"object", *blob, e.object.size()}};
  return e;
}

bool always(const store::IncludeSet&) { return true; }

// Machine `a` stores an entry and uploads it (the uploader's work, run here).
Entry published(Machine& a) {
  Entry e = stored_entry(a.artifacts);
  a.tier->upload(e.request_key, e.set, e.result);
  EXPECT_TRUE(a.tier->upload_once());
  return e;
}

TEST(RemoteTier, UploadThenFetchOnAnotherMachineRoundTrips) {
  auto server = std::make_shared<FakeRemoteStore>();
  Machine a({server}), b({server});
  Entry e = published(a);
  EXPECT_FALSE(a.tier->upload_once());
  auto values = server->values();
  EXPECT_TRUE(values.count(remote::manifest_name(e.request_key)));
  EXPECT_TRUE(values.count(remote::result_name(e.set.result_key)));
  EXPECT_TRUE(values.count(remote::artifact_name(e.result.outputs[0].blob)));

  auto fetched = b.tier->fetch(e.request_key, always);
  ASSERT_TRUE(fetched);
  EXPECT_EQ(fetched->set, e.set);
  EXPECT_EQ(fetched->result, e.result);
  auto local = b.artifacts.read(e.result.outputs[0].blob);
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(*local, e.object);
  EXPECT_EQ(a.tier->status_json()["servers"][0]["uploads"], 1);
}

TEST(RemoteTier, SecondUploadMergesIncludeSetsOnTheServer) {
  auto server = std::make_shared<FakeRemoteStore>();
  Machine a({server});
  Entry e = stored_entry(a.artifacts);
  store::IncludeSet other = e.set;
  other.files[1].digest = hash::hash_bytes("another stdio");
  other.result_key = result_key(e.request_key, other.files, other.env);
  a.tier->upload(e.request_key, e.set, e.result);
  a.tier->upload(e.request_key, other, e.result);
  while (a.tier->upload_once()) {
  }
  auto payload = remote::open_envelope(remote::EnvelopeKind::kManifest, server->values()[remote::manifest_name(e.request_key)]);
  ASSERT_TRUE(payload);
  auto manifest = store::decode_manifest(*payload);
  ASSERT_TRUE(manifest);
  ASSERT_EQ(manifest->entries.size(), 2u);
  EXPECT_EQ(manifest->entries[0], other);
}

TEST(RemoteTier, OnlyAnIncludeSetThatMatchesHereIsFetched) {
  auto server = std::make_shared<FakeRemoteStore>();
  Machine a({server}), b({server});
  Entry e = published(a);
  EXPECT_FALSE(b.tier->fetch(e.request_key, [](const store::IncludeSet&) { return false; }));
  EXPECT_FALSE(b.artifacts.contains(e.result.outputs[0].blob));
  EXPECT_EQ(b.tier->status_json()["servers"][0]["misses"], 1);
}

TEST(RemoteTier, CorruptArtifactIsDetectedAndNeverStored) {
  auto server = std::make_shared<FakeRemoteStore>();
  Machine a({server}), b({server});
  Entry e = published(a);
  std::string name = remote::artifact_name(e.result.outputs[0].blob);
  std::string bad = server->values()[name];
  bad[3] = static_cast<char>(bad[3] ^ 1);
  server->set_value(name, bad);
  EXPECT_FALSE(b.tier->fetch(e.request_key, always));
  EXPECT_FALSE(b.artifacts.contains(e.result.outputs[0].blob));
  EXPECT_GE(b.tier->status_json()["servers"][0]["errors"].get<int>(), 1);
}

TEST(RemoteTier, CorruptManifestOrResultIsNotServed) {
  for (bool corrupt_manifest : {true, false}) {
    auto server = std::make_shared<FakeRemoteStore>();
    Machine a({server}), b({server});
    Entry e = published(a);
    std::string name = corrupt_manifest ? remote::manifest_name(e.request_key) : remote::result_name(e.set.result_key);
    // A change that still decodes: only the envelope's digest can tell.
    std::string bad = server->values()[name];
    size_t at = bad.find(corrupt_manifest ? "a.c" : "warning");
    ASSERT_NE(at, std::string::npos);
    bad[at] = static_cast<char>(bad[at] ^ 0x01);
    server->set_value(name, bad);
    EXPECT_FALSE(b.tier->fetch(e.request_key, always)) << (corrupt_manifest ? "manifest" : "result");
    EXPECT_EQ(b.tier->status_json()["servers"][0]["errors"], 1);
  }
}

TEST(RemoteTier, IncludeSetThatDoesNotLeadToItsResultKeyIsRefused) {
  auto server = std::make_shared<FakeRemoteStore>();
  Machine a({server}), b({server});
  Entry e = published(a);
  // A validly sealed manifest whose set names a header digest the result was not made with.
  store::Manifest forged;
  store::IncludeSet set = e.set;
  set.files[0].digest = hash::hash_bytes("int b;");
  forged.entries.push_back(set);
  server->set_value(remote::manifest_name(e.request_key),
                    remote::seal(remote::EnvelopeKind::kManifest, store::encode_manifest(forged)));
  EXPECT_FALSE(b.tier->fetch(e.request_key, always));
}

TEST(RemoteTier, FailingFirstRemoteFallsThroughToTheNext) {
  auto broken = std::make_shared<FakeRemoteStore>();
  auto good = std::make_shared<FakeRemoteStore>();
  Machine a({good}), b({broken, good});
  Entry e = published(a);
  broken->set_fault(FakeRemoteStore::Fault::kTimeout);
  std::vector<RemoteAttempt> attempts;
  auto fetched = b.tier->fetch(e.request_key, always, &attempts);
  ASSERT_TRUE(fetched);
  EXPECT_EQ(fetched->remote, 1u);
  auto status = b.tier->status_json();
  EXPECT_EQ(status["servers"][0]["timeouts"], 1);
  // The journal's view: one attempt per remote asked, in order, the failure with its text.
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].url, "fake0");
  EXPECT_EQ(attempts[0].outcome, RemoteOutcome::kTimeout);
  EXPECT_FALSE(attempts[0].error.empty());
  EXPECT_EQ(attempts[1].url, "fake1");
  EXPECT_EQ(attempts[1].outcome, RemoteOutcome::kHit);
  EXPECT_TRUE(attempts[1].error.empty());
}

TEST(RemoteTier, AttemptsTellMissDamageAndOpenCircuitApart) {
  auto server = std::make_shared<FakeRemoteStore>();
  Machine a({server}), b({server});
  Entry e = published(a);
  std::vector<RemoteAttempt> attempts;
  EXPECT_FALSE(b.tier->fetch(hash::hash_bytes("another request"), always, &attempts));
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].outcome, RemoteOutcome::kMiss);

  std::string name = remote::artifact_name(e.result.outputs[0].blob);
  std::string bad = server->values()[name];
  bad[0] = static_cast<char>(bad[0] ^ 1);
  server->set_value(name, bad);
  attempts.clear();
  EXPECT_FALSE(b.tier->fetch(e.request_key, always, &attempts));
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].outcome, RemoteOutcome::kError);
  EXPECT_NE(attempts[0].error.find("corrupt artifact"), std::string::npos) << attempts[0].error;

  server->set_fault(FakeRemoteStore::Fault::kError);
  for (int i = 0; i < 3; ++i) (void)b.tier->fetch(e.request_key, always);  // opens the breaker
  attempts.clear();
  EXPECT_FALSE(b.tier->fetch(e.request_key, always, &attempts));
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].outcome, RemoteOutcome::kSkipped) << attempts[0].error;
}

TEST(RemoteTier, EveryUploadJobIsReportedWithItsOrigin) {
  auto server = std::make_shared<FakeRemoteStore>();
  Machine a({server});
  std::vector<UploadReport> reports;
  a.tier->set_upload_listener([&](UploadReport r) { reports.push_back(std::move(r)); });
  Entry e = stored_entry(a.artifacts);
  a.tier->upload(e.request_key, e.set, e.result, UploadOrigin{"/usr/bin/gcc", {"-c", "a.c"}, "/src", "s1"});
  EXPECT_TRUE(a.tier->upload_once());
  server->set_fault(FakeRemoteStore::Fault::kError);
  a.tier->upload(e.request_key, e.set, e.result, UploadOrigin{"/usr/bin/gcc", {"-c", "b.c"}, "/src", ""});
  EXPECT_TRUE(a.tier->upload_once());
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].origin.args[1], "a.c");
  EXPECT_EQ(reports[0].origin.session_id, "s1");
  ASSERT_EQ(reports[0].attempts.size(), 1u);
  EXPECT_EQ(reports[0].attempts[0].outcome, RemoteOutcome::kUploaded);
  EXPECT_EQ(reports[1].attempts[0].outcome, RemoteOutcome::kError);
  EXPECT_FALSE(reports[1].attempts[0].error.empty());
  // A job the full queue drops is reported as skipped.
  server->set_fault(FakeRemoteStore::Fault::kNone);
  for (size_t i = 0; i < RemoteTier::kMaxQueuedUploads + 1; ++i) a.tier->upload(e.request_key, e.set, e.result);
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_EQ(reports[2].attempts[0].outcome, RemoteOutcome::kSkipped);
}

TEST(RemoteTier, ReadOnlyQueuesNothing) {
  auto server = std::make_shared<FakeRemoteStore>();
  Machine a({server}, /*read_only=*/true);
  Entry e = stored_entry(a.artifacts);
  a.tier->upload(e.request_key, e.set, e.result);
  EXPECT_FALSE(a.tier->upload_once());
  EXPECT_EQ(server->puts(), 0);
}

TEST(RemoteTier, FullQueueDropsAndCounts) {
  auto server = std::make_shared<FakeRemoteStore>();
  Machine a({server});
  Entry e = stored_entry(a.artifacts);
  for (size_t i = 0; i < RemoteTier::kMaxQueuedUploads + 3; ++i) a.tier->upload(e.request_key, e.set, e.result);
  EXPECT_EQ(a.tier->queued(), RemoteTier::kMaxQueuedUploads);
  EXPECT_EQ(a.tier->status_json()["uploads_dropped"], 3);
}

TEST(RemoteTier, UploadsStopAtTheFirstFailureOfARemote) {
  auto server = std::make_shared<FakeRemoteStore>();
  Machine a({server});
  Entry e = stored_entry(a.artifacts);
  server->set_fault(FakeRemoteStore::Fault::kError);
  a.tier->upload(e.request_key, e.set, e.result);
  EXPECT_TRUE(a.tier->upload_once());
  server->set_fault(FakeRemoteStore::Fault::kNone);
  EXPECT_TRUE(server->values().empty());
  EXPECT_EQ(a.tier->status_json()["servers"][0]["uploads"], 0);
}

TEST(RemoteTier, CountersSurviveARestartByUrl) {
  auto server = std::make_shared<FakeRemoteStore>();
  std::string saved;
  {
    Machine a({server});
    Entry e = published(a);
    Machine b({server});
    ASSERT_TRUE(b.tier->fetch(e.request_key, always));
    b.tier->note_hit(0);
    saved = b.tier->counters_json();
  }
  Machine restarted({server});
  restarted.tier->restore_counters(saved);
  restarted.tier->restore_counters("not json");  // ignored
  auto s = restarted.tier->status_json()["servers"][0];
  EXPECT_EQ(s["hits"], 1);
  EXPECT_GE(s["requests"].get<int>(), 3) << s.dump();
  EXPECT_GT(s["bytes_down"].get<int>(), 0);
  EXPECT_EQ(nlohmann::json::parse(restarted.tier->counters_json())["fake0"]["hits"], 1);
  restarted.tier->reset_counters();
  EXPECT_EQ(restarted.tier->status_json()["servers"][0]["requests"], 0);
}

}  // namespace
}  // namespace zccache::daemon
