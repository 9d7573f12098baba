#include "remote_servers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "subprocess.h"

extern char** environ;

namespace zccache::e2e {
namespace {

bool port_accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_all(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

}  // namespace

int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

std::unique_ptr<ServerProcess> ServerProcess::start(const std::vector<std::string>& argv, const std::string& log_path,
                                                    int port) {
  std::string program = find_in_path(argv[0]);
  if (program.empty()) return nullptr;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  auto server = std::unique_ptr<ServerProcess>(new ServerProcess());
  server->port_ = port;
  server->log_path_ = log_path;
  int rc = posix_spawn(&server->pid_, program.c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    server->pid_ = -1;
    return nullptr;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (port_accepts(port)) return server;
    int status = 0;
    if (::waitpid(server->pid_, &status, WNOHANG) == server->pid_) {
      server->pid_ = -1;  // exited: a port taken meanwhile, a bad config
      return nullptr;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return nullptr;
}

ServerProcess::~ServerProcess() { kill(); }

void ServerProcess::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string ServerProcess::log() const { return read_all(log_path_); }

std::string CacheServer::binary(Backend backend) { return backend == Backend::kRedis ? "redis-server" : "nginx"; }

bool CacheServer::installed(Backend backend) {
  // nginx lives in /usr/sbin, which a test's PATH may lack.
  return !find_in_path(binary(backend)).empty() ||
         (backend == Backend::kHttp && ::access("/usr/sbin/nginx", X_OK) == 0);
}

std::unique_ptr<CacheServer> CacheServer::start(Backend backend, const std::string& dir, std::string* why,
                                                const std::string& password) {
  auto server = std::unique_ptr<CacheServer>(new CacheServer());
  server->backend_ = backend;
  server->dir_ = dir;
  server->password_ = password;
  std::filesystem::create_directories(dir);
  // A port can be taken between the probe and the server's bind: try a few.
  for (int attempt = 0; attempt < 5 && !server->process_; ++attempt) {
    int port = free_loopback_port();
    std::vector<std::string> argv;
    if (backend == Backend::kRedis) {
      argv = {"redis-server", "--port", std::to_string(port), "--bind", "127.0.0.1", "--save", "",
              "--appendonly", "no", "--dir", dir, "--protected-mode", "no"};
      if (!password.empty()) argv.insert(argv.end(), {"--requirepass", password});
    } else {
      std::string www = dir + "/www";
      std::filesystem::create_directories(www + "/cache");
      std::string conf = dir + "/nginx.conf";
      write_all(conf, "daemon off;\nmaster_process off;\nworker_processes 1;\npid " + dir + "/nginx.pid;\n" +
                          "error_log " + dir + "/error.log;\nevents { worker_connections 64; }\n" +
                          "http {\n  access_log off;\n  client_body_temp_path " + dir + "/body;\n" +
                          "  proxy_temp_path " + dir + "/proxy;\n  fastcgi_temp_path " + dir + "/fastcgi;\n" +
                          "  uwsgi_temp_path " + dir + "/uwsgi;\n  scgi_temp_path " + dir + "/scgi;\n" +
                          "  server {\n    listen 127.0.0.1:" + std::to_string(port) + ";\n    root " + www +
                          ";\n    client_max_body_size 64m;\n" +
                          "    location /cache/ { dav_methods PUT; create_full_put_path on; dav_access user:rw; }\n" +
                          "    location /broken/ { return 500; }\n  }\n}\n");
      std::string nginx = find_in_path("nginx");
      if (nginx.empty()) nginx = "/usr/sbin/nginx";
      argv = {nginx, "-c", conf, "-p", dir};
    }
    server->process_ = ServerProcess::start(argv, dir + "/server.log", port);
  }
  if (!server->process_) {
    if (why) *why = binary(backend) + " did not start: " + read_all(dir + "/server.log") + read_all(dir + "/error.log");
    return nullptr;
  }
  return server;
}

std::string CacheServer::url(const std::string& options) const {
  std::string q = options.empty() ? "" : "?" + options;
  std::string port = std::to_string(process_->port());
  if (backend_ == Backend::kRedis) {
    std::string auth = password_.empty() ? "" : ":" + password_ + "@";
    return "redis://" + auth + "127.0.0.1:" + port + "/0" + q;
  }
  return "http://127.0.0.1:" + port + "/cache/" + q;
}

std::string CacheServer::error_url(const std::string& options) const {
  std::string q = options.empty() ? "" : "?" + options;
  // Redis: without the password every command is refused (NOAUTH) by a server with requirepass.
  if (backend_ == Backend::kRedis) return "redis://127.0.0.1:" + std::to_string(process_->port()) + "/0" + q;
  return "http://127.0.0.1:" + std::to_string(process_->port()) + "/broken/" + q;
}

std::vector<std::string> CacheServer::names() const {
  std::vector<std::string> out;
  if (backend_ == Backend::kRedis) {
    std::vector<std::string> argv{"redis-cli", "-p", std::to_string(process_->port())};
    if (!password_.empty()) argv.insert(argv.end(), {"-a", password_, "--no-auth-warning"});
    argv.insert(argv.end(), {"--scan", "--pattern", "zccache/*"});
    std::string program = find_in_path("redis-cli");
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) env.emplace_back(*e);
    RunResult r = run_process(program, argv, env, "/", RunOptions{});
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("zccache/", 0) == 0) out.push_back(line.substr(8));
    }
    return out;
  }
  std::string root = dir_ + "/www/cache";
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file()) out.push_back(std::filesystem::relative(it->path(), root).string());
  }
  return out;
}

void CacheServer::corrupt_artifacts() const {
  for (const std::string& name : names()) {
    if (name.rfind("zc1/a/", 0) != 0) continue;
    if (backend_ == Backend::kHttp) {
      std::string path = dir_ + "/www/cache/" + name;
      std::string bytes = read_all(path);
      if (bytes.empty()) continue;
      bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x01);
      write_all(path, bytes);
    } else {
      // Same size, other bytes: SETRANGE overwrites the start of the value.
      std::vector<std::string> argv{"redis-cli", "-p", std::to_string(process_->port())};
      if (!password_.empty()) argv.insert(argv.end(), {"-a", password_, "--no-auth-warning"});
      argv.insert(argv.end(), {"SETRANGE", "zccache/" + name, "0", "CORRUPT"});
      std::vector<std::string> env;
      for (char** e = environ; *e; ++e) env.emplace_back(*e);
      (void)run_process(find_in_path("redis-cli"), argv, env, "/", RunOptions{});
    }
  }
}

std::unique_ptr<ServerProcess> start_silent_server(const std::string& dir) {
  if (find_in_path("python3").empty()) return nullptr;
  std::filesystem::create_directories(dir);
  for (int attempt = 0; attempt < 5; ++attempt) {
    int port = free_loopback_port();
    // Accepts and holds every connection; reads nothing, answers nothing.
    std::string script =
        "import socket,time\n"
        "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        "s.bind(('127.0.0.1'," + std::to_string(port) + ")); s.listen(64)\n"
        "held=[]\n"
        "while True:\n"
        "  c,_=s.accept(); held.append(c)\n";
    auto server = ServerProcess::start({"python3", "-c", script}, dir + "/silent.log", port);
    if (server) return server;
  }
  return nullptr;
}

}  // namespace zccache::e2e
