#pragma once
// Child processes for tests (servers, the CLI) and free loopback ports.
#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace mop::test {

class Process {
 public:
  // Starts argv[0] with argv, stdout and stderr to log_path; extra_env added to the environment.
  Process(const std::vector<std::string>& argv, const std::string& log_path,
          const std::map<std::string, std::string>& extra_env = {});
  ~Process();  // SIGKILL and reap if still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void kill(int sig);  // sends sig; SIGKILL also reaps
  int wait();          // exit status (128 + signal when killed)

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

// A port on 127.0.0.1 that was free a moment ago.
int free_port();

// A port on 127.0.0.1 held bound but not listening while the object lives: connecting to it is
// refused, and no other process can take it meanwhile (as one could a port from free_port()).
class DeadPort {
 public:
  DeadPort();
  ~DeadPort();
  DeadPort(const DeadPort&) = delete;
  DeadPort& operator=(const DeadPort&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// GET http://127.0.0.1:port/path until it answers 200 (true) or timeout_s passes (false).
bool wait_http_ok(int port, const std::string& path, double timeout_s);

}  // namespace mop::test
