#include "zccache/daemon/journal_writer.h"

#include <algorithm>
#include <map>
#include <string>

#include "zccache/base/log.h"

namespace zccache::daemon {
namespace {

uint64_t approximate_bytes(const JournalEntry& e) {
  uint64_t n = sizeof(JournalEntry) + e.compiler.size() + e.cwd.size() + e.reason.size() + e.session_id.size();
  for (const auto& a : e.args) n += a.size() + 32;
  for (const auto& v : e.env) n += v.size() + 32;
  return n;
}

}  // namespace

JournalWriter::JournalWriter(std::unique_ptr<AppendFile> global, EnvMap daemon_env, uint64_t max_queued_bytes,
                             std::chrono::milliseconds linger)
    : global_(std::move(global)),
      daemon_env_(std::move(daemon_env)),
      max_queued_bytes_(max_queued_bytes),
      linger_(linger) {}

JournalWriter::~JournalWriter() { stop(); }

void JournalWriter::start() {
  std::lock_guard lock(mutex_);
  if (running_) return;
  running_ = true;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void JournalWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  drain_once();  // anything submitted while the thread was finishing
  std::lock_guard lock(mutex_);
  running_ = false;
}

bool JournalWriter::submit(JournalEntry entry, std::shared_ptr<AppendFile> session_journal,
                           std::shared_ptr<AppendFile> session_log) {
  uint64_t bytes = approximate_bytes(entry);
  std::lock_guard lock(mutex_);
  if (queued_bytes_ + bytes > max_queued_bytes_) {
    ++dropped_;
    return false;
  }
  const bool first = queue_.empty();
  const bool fills = queued_bytes_ < kLingerBytes && queued_bytes_ + bytes >= kLingerBytes;
  queued_bytes_ += bytes;
  ++submitted_seq_;
  queue_.push_back(Item{std::move(entry), std::move(session_journal), std::move(session_log), bytes});
  // Only the first entry of a batch wakes the thread, and the one that makes it large enough to
  // write at once: the others join it while it lingers, without a futex call and a context
  // switch on the request's thread per compile.
  if (first || fills) wake_.notify_one();
  return true;
}

void JournalWriter::flush() {
  std::unique_lock lock(mutex_);
  const uint64_t target = submitted_seq_;
  if (!running_ || stopping_) {
    lock.unlock();
    drain_once();
    return;
  }
  ++flushes_waiting_;
  wake_.notify_all();  // cut a linger short
  written_.wait(lock, [&] { return written_seq_ >= target; });
  --flushes_waiting_;
}

uint64_t JournalWriter::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

uint64_t JournalWriter::batches() const {
  std::lock_guard lock(mutex_);
  return batches_;
}

void JournalWriter::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty() && stopping_) return;
    // A build's compiles come in bursts: gather what follows the first entry for a moment and
    // write it as one batch (one wake-up and one write(2) per file for many compiles).
    wake_.wait_for(lock, linger_, [&] {
      return stopping_ || flushes_waiting_ > 0 || queued_bytes_ >= kLingerBytes;
    });
    lock.unlock();
    drain_once();
    lock.lock();
  }
}

void JournalWriter::drain_once() {
  std::lock_guard write_lock(write_mutex_);
  std::deque<Item> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(queue_);
    queued_bytes_ = 0;
  }
  if (batch.empty()) return;
  size_t n = batch.size();
  write_batch(batch);
  std::lock_guard lock(mutex_);
  ++batches_;
  written_seq_ += n;
  written_.notify_all();
}

void JournalWriter::write_batch(std::deque<Item>& batch) {
  // In the order the requests arrived: a hit's entry is submitted after its reply, so under load
  // the next compile's entry can come first (a serial build's lines swapped); a miss's comes when
  // its compile ends. Stable: one invocation's sources keep their order.
  std::stable_sort(batch.begin(), batch.end(), [](const Item& a, const Item& b) { return a.entry.ts_ns < b.entry.ts_ns; });
  // One buffer per file; one write(2) per file.
  std::string global_text;
  std::map<AppendFile*, std::string> session_text;
  for (Item& item : batch) {
    std::string json = journal_line(item.entry, daemon_env_, &env_cache_);
    json += '\n';
    if (item.session_journal) session_text[item.session_journal.get()] += json;
    if (item.session_log) session_text[item.session_log.get()] += log_line(item.entry) + "\n";
    if (global_) global_text += json;
  }
  auto report = [](const Status& s) {
    if (!s.ok()) log::debug("journal: " + s.error().message);
  };
  if (global_) report(global_->append(global_text));
  for (auto& [file, text] : session_text) report(file->append(text));
}

}  // namespace zccache::daemon
