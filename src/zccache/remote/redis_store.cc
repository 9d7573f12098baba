#include "zccache/remote/redis_store.h"

#include <sys/time.h>

#include <cerrno>
#include <vector>

#include <hiredis/hiredis.h>

#include "zccache/remote/connection_pool.h"

namespace zccache::remote {
namespace {

constexpr size_t kMaxIdle = 8;
constexpr std::string_view kKeyPrefix = "zccache/";

struct ContextFree {
  void operator()(redisContext* c) const { redisFree(c); }
};
using Context = std::unique_ptr<redisContext, ContextFree>;
struct ReplyFree {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyFree>;

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

class RedisStore : public RemoteStore {
 public:
  explicit RedisStore(RemoteSpec spec) : spec_(std::move(spec)), where_(spec_.redacted()) {}

  Result<std::optional<std::string>> get(std::string_view name) override {
    std::string key = std::string(kKeyPrefix).append(name);
    auto reply = command({"GET", key});
    if (!reply.ok()) return reply.error();
    redisReply* r = reply->get();
    if (r->type == REDIS_REPLY_NIL) return std::optional<std::string>();
    if (r->type == REDIS_REPLY_STRING) return std::optional<std::string>(std::string(r->str, r->len));
    return unexpected(r);
  }

  Status put(std::string_view name, std::string_view value) override {
    std::string key = std::string(kKeyPrefix).append(name);
    auto reply = command({"SET", key, value});
    if (!reply.ok()) return reply.error();
    redisReply* r = reply->get();
    if (r->type == REDIS_REPLY_STATUS) return {};
    return unexpected(r);
  }

  Result<bool> exists(std::string_view name) override {
    std::string key = std::string(kKeyPrefix).append(name);
    auto reply = command({"EXISTS", key});
    if (!reply.ok()) return reply.error();
    redisReply* r = reply->get();
    if (r->type == REDIS_REPLY_INTEGER) return r->integer > 0;
    return unexpected(r);
  }

 private:
  Error unexpected(redisReply* r) {
    std::string what = r->type == REDIS_REPLY_ERROR ? std::string(r->str, r->len) : "unexpected reply type";
    return make_error(ErrorCode::kProtocol, where_ + ": " + what);
  }

  // A failed context: its error as ours. Timeouts show up as EAGAIN/ETIMEDOUT on an I/O error.
  Error context_error(redisContext* c, int saved_errno) {
    bool timeout = c && c->err == REDIS_ERR_IO &&
                   (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK || saved_errno == ETIMEDOUT ||
                    saved_errno == EINPROGRESS);
    std::string msg = where_ + ": " + (c ? std::string(c->errstr) : std::string("out of memory"));
    return make_error(timeout ? ErrorCode::kTimeout : ErrorCode::kTransport, msg);
  }

  Result<Context> connect() {
    if (Context pooled = pool_.take()) return pooled;
    errno = 0;
    Context c(redisConnectWithTimeout(spec_.host.c_str(), spec_.port, to_timeval(spec_.connect_timeout)));
    if (!c || c->err) return context_error(c.get(), errno);
    if (redisSetTimeout(c.get(), to_timeval(spec_.request_timeout)) != REDIS_OK) return context_error(c.get(), errno);
    if (!spec_.password.empty()) {
      std::vector<std::string_view> auth{"AUTH"};
      if (!spec_.username.empty()) auth.push_back(spec_.username);
      auth.push_back(spec_.password);
      auto r = raw_command(c.get(), auth);
      // Never echo the reply of AUTH in full: say that it failed.
      if (!r.ok()) return r.error();
      if ((*r)->type == REDIS_REPLY_ERROR) return make_error(ErrorCode::kPermission, where_ + ": AUTH refused");
    }
    if (spec_.db != 0) {
      std::string db = std::to_string(spec_.db);
      auto r = raw_command(c.get(), {"SELECT", db});
      if (!r.ok()) return r.error();
      if ((*r)->type == REDIS_REPLY_ERROR) return unexpected(r->get());
    }
    return c;
  }

  Result<Reply> raw_command(redisContext* c, const std::vector<std::string_view>& argv) {
    std::vector<const char*> ptrs;
    std::vector<size_t> lens;
    for (auto a : argv) {
      ptrs.push_back(a.data());
      lens.push_back(a.size());
    }
    errno = 0;
    Reply r(static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(argv.size()), ptrs.data(), lens.data())));
    if (!r) return context_error(c, errno);
    return r;
  }

  // One command on a pooled connection; the connection goes back only when it is healthy.
  Result<Reply> command(const std::vector<std::string_view>& argv) {
    auto c = connect();
    if (!c.ok()) return c.error();
    auto r = raw_command(c->get(), argv);
    if (r.ok()) pool_.give_back(std::move(*c));
    return r;
  }

  const RemoteSpec spec_;
  const std::string where_;
  ConnectionPool<redisContext, ContextFree> pool_{kMaxIdle};
};

}  // namespace

std::unique_ptr<RemoteStore> make_redis_store(const RemoteSpec& spec) { return std::make_unique<RedisStore>(spec); }

}  // namespace zccache::remote
